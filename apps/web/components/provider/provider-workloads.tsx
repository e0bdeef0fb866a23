"use client";
import { useEffect, useState } from "react";
import type { WorkloadStatus } from "@gridlease/sdk/launch-spec";
import { describeWorkloadState, fetchWorkloadStatus } from "@/lib/workload-view";

const STORAGE_KEY = "gridlease.provider-agent";
const POLL_MS = 5_000;

/**
 * The provider's view of its containers (issue 16): the same status the renters see, read from its own
 * agent with the provider token (`<stateDir>/workload-provider-token`). The URL and token stay in this
 * browser's storage; the site relays each request and keeps nothing.
 */
export function ProviderWorkloads() {
  const [agentUrl, setAgentUrl] = useState("");
  const [token, setToken] = useState("");
  const [saved, setSaved] = useState<{ url: string; token: string } | null>(null);
  const [list, setList] = useState<WorkloadStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Until React has hydrated, a click would submit the form natively (the token in the page URL): the button waits.
  const [ready, setReady] = useState(false);
  useEffect(() => {
    setReady(true);
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as { url: string; token: string } | null;
      if (stored?.url && stored.token) {
        setSaved(stored);
        setAgentUrl(stored.url);
      }
    } catch {
      // nothing stored
    }
  }, []);
  useEffect(() => {
    if (!saved) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const result = await fetchWorkloadStatus<{ workloads: WorkloadStatus[] }>(`${saved.url.replace(/\/$/, "")}/leases/workloads`, saved.token);
      if (stopped) return;
      if (result.status) setList(result.status.workloads);
      setError(result.error ?? null);
      timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [saved]);
  return (
    <section className="card space-y-3" aria-labelledby="workloads-title" data-testid="provider-workloads">
      <h2 id="workloads-title" className="text-lg font-semibold">
        Containers on your agent
      </h2>
      <form
        method="post"
        className="flex flex-wrap gap-2 text-sm"
        onSubmit={(event) => {
          event.preventDefault();
          const next = { url: agentUrl.trim(), token: token.trim() };
          localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
          setSaved(next);
          setToken("");
        }}
      >
        <input
          className="input min-w-64 flex-1"
          placeholder="Agent status API, e.g. http://gpu-7.example.net:7380"
          value={agentUrl}
          onChange={(e) => setAgentUrl(e.target.value)}
          aria-label="Agent status API URL"
        />
        <input
          className="input min-w-64 flex-1 font-mono"
          placeholder="Provider token (state/workload-provider-token)"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-label="Provider token"
        />
        <button type="submit" className="btn-secondary" disabled={!ready}>
          Show
        </button>
      </form>
      {error && <p className="field-error">{error}</p>}
      {list && list.length === 0 && <p className="text-sm text-slate-400">No containers yet.</p>}
      {list && list.length > 0 && (
        <table className="w-full text-left text-sm">
          <thead className="text-slate-400">
            <tr>
              <th>Lease</th>
              <th>State</th>
              <th>Image</th>
              <th>Endpoints</th>
              <th>Last log line</th>
            </tr>
          </thead>
          <tbody>
            {list.map((w) => (
              <tr key={w.leaseId} data-testid="provider-workload">
                <td>#{w.leaseId}</td>
                <td>{describeWorkloadState(w)}</td>
                <td className="break-all font-mono text-xs">{w.image}</td>
                <td className="font-mono text-xs">{w.endpoints.map((e) => `${e.host}:${e.hostPort}→${e.containerPort}`).join(", ")}</td>
                <td className="break-all font-mono text-xs">{w.logs.at(-1) ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
