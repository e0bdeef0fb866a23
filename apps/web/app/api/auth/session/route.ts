import { apiRoute, json, jsonError } from "@/lib/api";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import { decodeSession, readCookie, SESSION_COOKIE, sessionCookieHeader } from "@/lib/server/session";

export const GET = apiRoute(async (request) => {
  const session = decodeSession(readCookie(request, SESSION_COOKIE));
  if (!session || session.chainId !== readRuntimeConfig().CHAIN_ID) return jsonError(401, "not_signed_in", "No admin session.");
  return json(session, { headers: { "cache-control": "no-store" } });
});

/** Sign out: overwrite the cookie with an expired one. */
export const DELETE = apiRoute(async (request) => {
  const secure = new URL(request.url).protocol === "https:";
  return json({ signedOut: true }, { headers: { "set-cookie": sessionCookieHeader("", 0, secure) } });
});
