import { apiRoute, json, parseJsonBody } from "@/lib/api";
import { requireAccountSession } from "@/lib/server/account-session";
import { dbAddress } from "@/lib/server/address-param";
import { deleteSubscription, idParamSchema, updateSubscription, updateSubscriptionSchema } from "@/lib/server/notifications";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

/** Changes a subscription's kinds or low-balance threshold. */
export const PATCH = apiRoute<{ id: string }>(async (request, { params }) => {
  const { id } = idParamSchema.parse(await params);
  const session = await requireAccountSession(request);
  const input = await parseJsonBody(request, updateSubscriptionSchema);
  const subscription = await updateSubscription(readRuntimeConfig().CHAIN_ID, dbAddress(session.address), id, input);
  return json({ subscription });
});

/** Deletes a subscription and its message history. */
export const DELETE = apiRoute<{ id: string }>(async (request, { params }) => {
  const { id } = idParamSchema.parse(await params);
  const session = await requireAccountSession(request);
  await deleteSubscription(readRuntimeConfig().CHAIN_ID, dbAddress(session.address), id);
  return json({ deleted: true });
});
