"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { agentView, type AgentView } from "@/lib/agent-view";
import { webApi } from "@/lib/api-client";

/** How often the page re-reads the provider's last heartbeat; agents beat every minute by default. */
const REFRESH_MS = 15_000;

/**
 * The wallet's provider agent as the market sees it: online/offline with last seen, from
 * GET /api/providers/{address}, and for a registered wallet without a running agent the commands
 * that start one.
 */
export function AgentStatus({ address }: { address: string }) {
  const [view, setView] = useState<AgentView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const summary = await webApi.getProvider(address); // null: not registered (404)
        if (!cancelled) {
          setView(agentView(summary));
          setProblem(null);
        }
      } catch (error) {
        if (!cancelled) setProblem(`Could not read the agent's status: ${(error as Error).message}. Retrying.`);
      }
    };
    void load();
    const timer = setInterval(() => document.visibilityState === "visible" && void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [address]);

  if (problem)
    return (
      <p className="card text-sm text-amber-300" role="alert">
        {problem}
      </p>
    );
  if (!view)
    return (
      <p className="card text-sm text-slate-400" role="status">
        Reading the agent&apos;s status…
      </p>
    );
  if (view.kind === "unregistered") {
    return (
      <div className="card space-y-2" role="status" data-testid="agent-status">
        <p className="text-slate-300">This wallet is not a registered provider yet.</p>
        <p className="text-sm text-slate-400">
          Register on the{" "}
          <Link prefetch={false} className="text-indigo-300 underline" href={`/provider?address=${address}`}>
            provider dashboard
          </Link>
          , or with <code>gridlease-agent register</code> on the GPU host.
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-center gap-3" role="status" data-testid="agent-status">
        <span
          className={`inline-flex items-center gap-2 rounded-full px-3 py-1 text-sm font-medium ${view.online ? "bg-emerald-900/60 text-emerald-300" : "bg-slate-800 text-slate-300"}`}
        >
          <span aria-hidden className={`h-2 w-2 rounded-full ${view.online ? "bg-emerald-400" : "bg-slate-500"}`} />
          Agent {view.online ? "online" : "offline"}
        </span>
        <span className="text-sm text-slate-400">{view.lastSeen}</span>
      </div>
      {view.kind === "offline" && (
        <section className="card space-y-3" aria-labelledby="start-agent-title">
          <h2 id="start-agent-title" className="font-semibold">
            Start an agent on your GPU host
          </h2>
          <p className="text-sm text-slate-400">
            Install <code>gridlease-agent</code> (see <code>apps/agent/README.md</code>, Install), copy the example config next to it, put this wallet&apos;s
            private key in
            <code> wallet-key.txt</code>, then run:
          </p>
          <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 text-sm" data-testid="agent-commands">
            {view.commands.join("\n")}
          </pre>
          <p className="text-sm text-slate-400">
            <code>register</code> replaces the encryption key the browser registered with the agent&apos;s, so renters&apos; requests reach the agent;{" "}
            <code>gridlease-agent self-test</code> checks the host before <code>serve</code>. Bookings made while the agent is offline are not accepted.
          </p>
        </section>
      )}
    </div>
  );
}
