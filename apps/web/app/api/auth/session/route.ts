import { apiRoute, json } from "@/lib/api";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import { decodeSession, readCookie, SESSION_COOKIE, sessionCookieHeader } from "@/lib/server/session";

/** The current admin session, or `{ session: null }` (not an error: the console asks before signing in). */
export const GET = apiRoute(async (request) => {
  const session = decodeSession(readCookie(request, SESSION_COOKIE));
  const valid = session && session.chainId === readRuntimeConfig().CHAIN_ID ? session : null;
  return json({ session: valid }, { headers: { "cache-control": "no-store" } });
});

/** Sign out: overwrite the cookie with an expired one. */
export const DELETE = apiRoute(async (request) => {
  const secure = new URL(request.url).protocol === "https:";
  return json({ signedOut: true }, { headers: { "set-cookie": sessionCookieHeader("", 0, secure) } });
});
