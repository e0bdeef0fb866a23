import { AgentEndpointRejected, agentEndpointBodySchema, recordAgentEndpoint } from "@gridlease/db/agent-endpoints";
import { defaultChainId } from "@gridlease/db/search";
import { ApiError, apiRoute, json, parseJsonBody, SharedRateLimiter } from "@/lib/api";

export const dynamic = "force-dynamic";

// Agents register at start and hourly (a fleet: once per provider, retrying with backoff); the heartbeat's
// per-client budget, in a bucket of its own so registrations never cost a fleet its heartbeats.
const endpointLimiter = new SharedRateLimiter("agent-endpoint", { ratePerSecond: 2, burst: 30 });

/**
 * POST /api/providers/{address}/endpoint — where the provider's agent answers Proof of GPU challenges
 * (docs/proof-of-gpu.md), body `{ url, timestamp, signature }` signed by the provider as EIP-712
 * `AgentEndpoint` in the heartbeats' domain. 201 when stored; 200 with `recorded: false` when an equally
 * new or newer registration is already stored (a replay writes nothing). 4xx naming the field otherwise.
 */
export const POST = apiRoute<{ address: string }>(
  async (request, context) => {
    const { address } = await context.params;
    const body = await parseJsonBody(request, agentEndpointBodySchema);
    try {
      const result = await recordAgentEndpoint(address, body, defaultChainId());
      return json({ accepted: true, ...result }, { status: result.recorded ? 201 : 200 });
    } catch (error) {
      if (error instanceof AgentEndpointRejected) throw new ApiError(error.status, error.code, error.message, error.field);
      throw error;
    }
  },
  { rateLimiter: endpointLimiter },
);
