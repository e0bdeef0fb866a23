import type { LeaseAccessPayload } from "@gridlease/sdk/crypto";
import { buildSshCommand } from "@/lib/ssh-command";
import { localSandboxCommand } from "@/lib/sandbox-access";
import { containerAccess } from "@/lib/workload-view";
import { WorkloadPanel } from "./workload-panel";

/** Our own labels for the fields we know; anything else the provider sends is shown under its key, as data. */
const LABELS: Record<string, string> = { host: "Host", user: "User", port: "Port" };
const MAX_VALUE_LENGTH = 2_000;

/** A provider value as plain text: never markup, never a link; control and bidi-override characters made visible. */
function inertText(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return visible.length > MAX_VALUE_LENGTH ? `${visible.slice(0, MAX_VALUE_LENGTH)}…` : visible;
}

/**
 * The decrypted access details: a copyable ssh command only when host, user and port pass validation
 * (lib/ssh-command.ts), else the reason; every field the provider sent, as labelled, inert text.
 */
export function AccessDetailsView({ access, chainId, leaseId }: { access: LeaseAccessPayload; chainId?: number; leaseId?: bigint }) {
  const ssh = buildSshCommand(access);
  // The local demo's sandbox has no SSH: its `enter` command is what the renter runs (lib/sandbox-access.ts).
  const sandbox = chainId !== undefined && leaseId !== undefined ? localSandboxCommand(access, chainId, leaseId) : undefined;
  // A container lease (issue 16): the live workload panel; its status token is not shown as a field.
  const container = containerAccess(access);
  const fields = Object.entries(access).filter(
    ([key, value]) => key !== "sshPublicKey" && !(container && key === "workload") && value !== "" && value !== null && value !== undefined,
  );
  return (
    <div className="rounded-lg bg-slate-950/70 p-3 text-sm" data-testid="access-details">
      {container ? (
        <WorkloadPanel access={container} />
      ) : sandbox && !ssh.ok ? (
        <>
          <p className="text-xs text-slate-400">A sandboxed shell on the machine running the local market; run in a terminal there:</p>
          <p className="font-mono text-emerald-300" data-testid="sandbox-command">
            {sandbox}
          </p>
        </>
      ) : ssh.ok ? (
        <p className="font-mono text-emerald-300" data-testid="ssh-command">
          {ssh.command}
        </p>
      ) : (
        <p className="field-error" data-testid="ssh-command-refused">
          {ssh.reason}
        </p>
      )}
      <p className="mt-2 text-xs text-slate-400">Details as the provider sent them (not checked by Gridlease):</p>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
        {fields.map(([key, value]) => (
          <div key={key} className="contents">
            <dt className="text-slate-400">{LABELS[key] ?? `Provider field “${inertText(key)}”`}</dt>
            <dd className="break-all font-mono">{inertText(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
