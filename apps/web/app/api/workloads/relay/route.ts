import { apiRoute, json, parseJsonBody } from "@/lib/api";
import { relayWorkloadStatus, workloadRelayBodySchema } from "@/lib/server/workload-relay";

export const dynamic = "force-dynamic";

/**
 * POST /api/workloads/relay — reads a workload's status, logs and endpoints from the provider's agent
 * with the caller's lease (or provider) token; see lib/server/workload-relay.ts for why a relay and
 * what it refuses. 200 with the agent's status; 4xx naming the field; 502 when the agent fails.
 */
export const POST = apiRoute(async (request) => json(await relayWorkloadStatus(await parseJsonBody(request, workloadRelayBodySchema))));
