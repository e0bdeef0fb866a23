import { apiRoute, json } from "@/lib/api";
import { requireAccountSession } from "@/lib/server/account-session";
import { dbAddress } from "@/lib/server/address-param";
import { idParamSchema, sendTestMessage } from "@/lib/server/notifications";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

/** Queues a test message to one subscription; an unconfirmed email address is refused (409, field `target`). */
export const POST = apiRoute<{ id: string }>(async (request, { params }) => {
  const { id } = idParamSchema.parse(await params);
  const session = await requireAccountSession(request);
  await sendTestMessage(readRuntimeConfig().CHAIN_ID, dbAddress(session.address), id);
  return json({ queued: true }, { status: 202 });
});
