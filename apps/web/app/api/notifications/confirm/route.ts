import { apiRoute, parseSearchParams } from "@/lib/api";
import { confirmByToken, tokenQuerySchema } from "@/lib/server/notifications";
import { tokenPage } from "@/lib/server/token-page";

/**
 * The confirmation link of an email subscription: the address's owner agrees to receive it. A malformed
 * link is a 400 JSON naming `token`, like every API input; a well-formed one gets a readable page.
 */
export const GET = apiRoute(async (request) => {
  const { token } = parseSearchParams(request, tokenQuerySchema);
  return (await confirmByToken(token))
    ? tokenPage(200, "Address confirmed", "Gridlease lease notifications will now be sent to this address. Every email has an unsubscribe link.")
    : tokenPage(404, "Link not valid", "This confirmation link is unknown or the address was unsubscribed.");
});
