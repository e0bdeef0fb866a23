import { HeartbeatRejected, heartbeatBodySchema, recordHeartbeat } from "@gridlease/db/heartbeats";
import { ApiError, apiRoute, heartbeatLimiter, json, parseJsonBody } from "@/lib/api";

export const dynamic = "force-dynamic";

/**
 * POST /api/heartbeats — an EIP-712 signed provider heartbeat (docs/protocol.md). 202 when it is the
 * provider's first beat in its 5-minute slot (stored, uptime recomputed); 200 with `recorded: false`
 * for a replay or a further beat in a stored slot, which writes nothing.
 */
export const POST = apiRoute(
  async (request) => {
    const body = await parseJsonBody(request, heartbeatBodySchema);
    try {
      const { recorded, uptime } = await recordHeartbeat(body);
      return json({ accepted: true, recorded, provider: body.provider.toLowerCase(), ...uptime }, { status: recorded ? 202 : 200 });
    } catch (error) {
      if (error instanceof HeartbeatRejected) throw new ApiError(error.status, error.code, error.message, error.field);
      throw error;
    }
  },
  { rateLimiter: heartbeatLimiter },
);
