import { apiRoute, clientKey, json } from "@/lib/api";
import { siweNonces } from "@/lib/server/nonce-store";
import { publicOrigin } from "@/lib/server/runtime-config";
import { PRELOGIN_TTL_SECONDS, preloginCookieHeader } from "@/lib/server/session";

/**
 * Issues a single-use nonce for an EIP-4361 sign-in message (POST: it creates server state), bound
 * to a pre-login cookie: only this browser can spend it, so a sign-in captured elsewhere is useless.
 */
export const POST = apiRoute(async (request) => {
  const { nonce, token, expiresAt } = await siweNonces.issue(clientKey(request.headers));
  const secure = publicOrigin().protocol === "https:";
  return json(
    { nonce, expiresAt: expiresAt.toISOString() },
    { headers: { "cache-control": "no-store", "set-cookie": preloginCookieHeader(token, PRELOGIN_TTL_SECONDS, secure) } },
  );
});
