import { apiRoute, json, parseSearchParams } from "@/lib/api";
import { requireAccountSession } from "@/lib/server/account-session";
import { dbAddress } from "@/lib/server/address-param";
import { listMessages, messagesQuerySchema } from "@/lib/server/notifications";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

/** The notification centre: the signed-in wallet's messages (pending, retrying, sent, dead), newest first. */
export const GET = apiRoute(async (request) => {
  const query = parseSearchParams(request, messagesQuerySchema);
  const session = await requireAccountSession(request);
  const result = await listMessages(readRuntimeConfig().CHAIN_ID, dbAddress(session.address), query);
  return json(result, { headers: { "cache-control": "no-store" } });
});
