import { ApiError, apiRoute, json } from "@/lib/api";
import { publicOrigin, readRuntimeConfig } from "@/lib/server/runtime-config";
import { readCookie, readSession, revokeSession, SESSION_COOKIE, sessionCookieHeader } from "@/lib/server/session";

/** The current admin session, or `{ session: null }` (not an error: the console asks before signing in). */
export const GET = apiRoute(async (request) => {
  const session = await readSession(readCookie(request, SESSION_COOKIE));
  const valid = session && session.chainId === readRuntimeConfig().CHAIN_ID ? session : null;
  return json(
    { session: valid && { address: valid.address, chainId: valid.chainId, expiresAt: valid.expiresAt } },
    { headers: { "cache-control": "no-store" } },
  );
});

/** Sign out: revoke the session server-side (a copied cookie stops working too), then expire the cookie. */
export const DELETE = apiRoute(async (request) => {
  const session = await readSession(readCookie(request, SESSION_COOKIE));
  // Unrecorded, the cookie would still open the console on the other web processes: say so.
  if (session && !(await revokeSession(session))) {
    throw new ApiError(503, "sign_out_unrecorded", "The sign-out could not be recorded; try again.");
  }
  const secure = publicOrigin().protocol === "https:";
  return json({ signedOut: true }, { headers: { "set-cookie": sessionCookieHeader("", 0, secure) } });
});
