import type { WorkloadStatus } from "@gridlease/sdk/launch-spec";

/** The sealed access details of a container lease (apps/agent/src/workloads/manager.ts, prepare()). */
export interface ContainerAccess {
  url: string;
  token: string;
  launchSpecHash?: string;
}

/** The status URL and token from decrypted access details, when they are a container's and well formed. */
export function containerAccess(access: Record<string, unknown>): ContainerAccess | undefined {
  if (access.kind !== "container" || !access.workload || typeof access.workload !== "object") return undefined;
  const { url, token } = access.workload as Record<string, unknown>;
  if (typeof url !== "string" || typeof token !== "string" || !/^[0-9a-f]{64}$/.test(token) || !/^https?:\/\//.test(url)) return undefined;
  return { url, token, launchSpecHash: typeof access.launchSpecHash === "string" ? access.launchSpecHash : undefined };
}

/** The state as the pages say it: "running", "exited with code 3", "failed", … */
export function describeWorkloadState(status: Pick<WorkloadStatus, "state" | "exitCode">): string {
  if (status.state === "exited") return status.exitCode === null ? "exited" : `exited with code ${status.exitCode}`;
  if (status.state === "closing") return "closing (data kept for export)";
  return status.state;
}

/** Asks the site's relay for the agent's status; the error sentence when it fails. */
export async function fetchWorkloadStatus<T = WorkloadStatus>(url: string, token: string, lines = 100): Promise<{ status?: T; error?: string }> {
  try {
    const response = await fetch("/api/workloads/relay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url, token, lines }),
      cache: "no-store",
    });
    const body = await response.json();
    if (!response.ok) return { error: body?.error?.message ?? `The relay answered ${response.status}.` };
    return { status: body as T };
  } catch {
    return { error: "The site could not be reached; retrying." };
  }
}
