import { z } from "zod";
import { workloadStatusSchema } from "@gridlease/sdk/launch-spec";
import { ApiError } from "@/lib/api/errors";

/**
 * The relay between a page and a provider agent's status API (issue 16). The site's Content-Security-
 * Policy lets pages connect only to this origin and the chain's RPC, so the rentals page and the
 * provider dashboard ask this route to fetch GET /leases/<id>/workload (or /leases/workloads) from the
 * agent with the bearer token the renter decrypted in the browser. The token and the answer pass
 * through and are never stored or logged; the answer must parse as a workload status, so this route
 * can be made to fetch only those two paths, with GET, without credentials in the URL, no redirects.
 */
const AGENT_PATH = /^\/(?:[^?#]*\/)?leases\/(?:(\d{1,78})\/workload|workloads)$/;

export const workloadRelayBodySchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: "the agent's status URL must be an http(s) URL" })
    .max(2048)
    .refine((u) => {
      const url = new URL(u);
      return !url.username && !url.password && !url.search && !url.hash && AGENT_PATH.test(url.pathname);
    }, "the agent's status URL must end in /leases/<id>/workload or /leases/workloads, without credentials or a query"),
  token: z.string().regex(/^[0-9a-f]{64}$/, "the token is 64 lower-case hex characters (from your access details)"),
  lines: z.number().int().min(1).max(1000).default(100),
});

export type WorkloadRelayBody = z.infer<typeof workloadRelayBodySchema>;

const providerListSchema = z.object({ workloads: z.array(workloadStatusSchema).max(10_000) });
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
const TIMEOUT_MS = 5_000;

export async function relayWorkloadStatus(body: WorkloadRelayBody): Promise<unknown> {
  const target = new URL(body.url);
  const isList = target.pathname.endsWith("/leases/workloads");
  if (!isList) target.searchParams.set("lines", String(body.lines));
  let response: Response;
  try {
    response = await fetch(target, {
      headers: { authorization: `Bearer ${body.token}`, accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      cache: "no-store",
    });
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError";
    throw new ApiError(
      502,
      "agent_unreachable",
      timedOut
        ? `The provider's agent at ${target.host} did not answer within ${TIMEOUT_MS / 1000} s.`
        : `The provider's agent at ${target.host} cannot be reached.`,
      "url",
    );
  }
  if (response.status === 401)
    throw new ApiError(401, "agent_refused_token", "The provider's agent refused this token: it is not the token for this lease.", "token");
  if (response.status === 404) throw new ApiError(404, "no_workload", "The provider's agent has no workload for this lease.", "url");
  const text = await response.text();
  if (!response.ok || text.length > MAX_ANSWER_BYTES)
    throw new ApiError(502, "agent_error", `The provider's agent answered ${response.status}; try again in a moment.`, "url");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(502, "agent_bad_answer", "The provider's agent did not answer with JSON.", "url");
  }
  const parsed = (isList ? providerListSchema : workloadStatusSchema).safeParse(json);
  if (!parsed.success) throw new ApiError(502, "agent_bad_answer", "The provider's agent answered something that is not a workload status.", "url");
  return parsed.data;
}
