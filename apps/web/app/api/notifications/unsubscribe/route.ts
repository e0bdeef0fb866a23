import { apiRoute, parseSearchParams } from "@/lib/api";
import { tokenQuerySchema, unsubscribeByToken } from "@/lib/server/notifications";
import { tokenPage } from "@/lib/server/token-page";

async function unsubscribe(request: Request): Promise<Response> {
  const { token } = parseSearchParams(request, tokenQuerySchema);
  return (await unsubscribeByToken(token))
    ? tokenPage(200, "Unsubscribed", "No more Gridlease notifications will be sent to this address or URL.")
    : tokenPage(404, "Link not valid", "This unsubscribe link is unknown.");
}

/** The link in every message (a malformed one is a 400 JSON naming `token`). */
export const GET = apiRoute(unsubscribe);
/** RFC 8058 one-click unsubscribe (List-Unsubscribe-Post): mail providers POST without an Origin, the token is the proof. */
export const POST = apiRoute(unsubscribe, { checkOrigin: false });
