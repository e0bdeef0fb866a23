import { apiRoute, json } from "@/lib/api";
import { requireArbiterSession } from "@/lib/server/arbiter";
import { loadDisputeQueue } from "@/lib/server/disputes";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

/** The arbiter's queue; the session and the on-chain role are both checked on every call. */
export const GET = apiRoute(async (request) => {
  const session = await requireArbiterSession(request);
  const queue = await loadDisputeQueue(readRuntimeConfig().CHAIN_ID);
  return json({ arbiter: session.address, ...queue }, { headers: { "cache-control": "no-store" } });
});
