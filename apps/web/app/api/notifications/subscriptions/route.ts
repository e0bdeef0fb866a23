import { apiRoute, json, parseJsonBody } from "@/lib/api";
import { requireAccountSession } from "@/lib/server/account-session";
import { dbAddress } from "@/lib/server/address-param";
import { createSubscription, createSubscriptionSchema, listSubscriptions } from "@/lib/server/notifications";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

/** The signed-in wallet's email and webhook subscriptions (never their secrets). */
export const GET = apiRoute(async (request) => {
  const session = await requireAccountSession(request);
  const subscriptions = await listSubscriptions(readRuntimeConfig().CHAIN_ID, dbAddress(session.address));
  return json({ subscriptions }, { headers: { "cache-control": "no-store" } });
});

/** Subscribes an email address (confirmed by link before use) or a webhook URL (its secret is in this answer only). */
export const POST = apiRoute(async (request) => {
  const session = await requireAccountSession(request);
  const input = await parseJsonBody(request, createSubscriptionSchema);
  const result = await createSubscription(readRuntimeConfig().CHAIN_ID, dbAddress(session.address), input);
  return json(result, { status: 201, headers: { "cache-control": "no-store" } });
});
