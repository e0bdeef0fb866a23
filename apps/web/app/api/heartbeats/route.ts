import { HeartbeatRejected, heartbeatBodySchema, recordHeartbeat } from "@gridlease/db/heartbeats";
import { ApiError, apiRoute, json, parseJsonBody, RateLimiter } from "@/lib/api";

export const dynamic = "force-dynamic";

// Agents post once a minute; a generous per-client budget still stops floods.
const heartbeatLimiter = new RateLimiter({ ratePerSecond: 2, burst: 30 });

/** POST /api/heartbeats — an EIP-712 signed provider heartbeat (docs/protocol.md). */
export const POST = apiRoute(async (request) => {
  const body = await parseJsonBody(request, heartbeatBodySchema);
  try {
    const uptime = await recordHeartbeat(body);
    return json({ accepted: true, provider: body.provider.toLowerCase(), ...uptime }, { status: 202 });
  } catch (error) {
    if (error instanceof HeartbeatRejected) throw new ApiError(error.status, error.code, error.message, error.field);
    throw error;
  }
}, { rateLimiter: heartbeatLimiter });
