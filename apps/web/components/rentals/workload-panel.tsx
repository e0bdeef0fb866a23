"use client";
import { useEffect, useState } from "react";
import type { WorkloadStatus } from "@gridlease/sdk/launch-spec";
import { describeWorkloadState, fetchWorkloadStatus, type ContainerAccess } from "@/lib/workload-view";

const POLL_MS = 2_000;

/**
 * The renter's live view of a container lease (issue 16): state, endpoints and the log tail, read
 * from the provider's agent through the site's relay with the token from the sealed access details.
 * Polls while the page is open; stops once the container is removed.
 */
export function WorkloadPanel({ access }: { access: ContainerAccess }) {
  const [status, setStatus] = useState<WorkloadStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const result = await fetchWorkloadStatus(access.url, access.token);
      if (stopped) return;
      if (result.status) setStatus(result.status);
      setError(result.error ?? null);
      if (result.status?.state !== "removed") timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [access.url, access.token]);
  return (
    <div className="mt-3 space-y-2 rounded-lg border border-slate-800 p-3 text-sm" data-testid="workload-panel">
      <p>
        Workload:{" "}
        <span className="font-semibold" data-testid="workload-state" data-state={status?.state ?? "unknown"}>
          {status ? describeWorkloadState(status) : "asking the provider's agent…"}
        </span>
        {status && <span className="ml-2 text-xs text-slate-400">{status.image}</span>}
      </p>
      {status?.error && (
        <p className="field-error" data-testid="workload-error">
          {status.error}
        </p>
      )}
      {status?.removeAt && <p className="text-xs text-amber-300">Removed with its data at {new Date(status.removeAt).toLocaleString()}.</p>}
      {error && (
        <p className="field-error" data-testid="workload-relay-error">
          {error}
        </p>
      )}
      {access.launchSpecHash && status && access.launchSpecHash !== status.launchSpecHash && (
        <p className="field-error">
          The agent reports a different launch spec hash ({status.launchSpecHash}) than your access details ({access.launchSpecHash}).
        </p>
      )}
      {status && status.endpoints.length > 0 && (
        <ul className="font-mono text-xs" aria-label="Endpoints">
          {status.endpoints.map((e) => (
            <li key={e.containerPort} data-testid="workload-endpoint">
              {e.host}:{e.hostPort} <span className="text-slate-400">→ port {e.containerPort}</span>
            </li>
          ))}
        </ul>
      )}
      {status && (
        <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-black/60 p-2 font-mono text-xs" data-testid="workload-logs">
          {status.logs.length ? status.logs.join("\n") : "(no log lines yet)"}
        </pre>
      )}
    </div>
  );
}
