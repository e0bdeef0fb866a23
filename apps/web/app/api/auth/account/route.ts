import { apiRoute, json, parseJsonBody } from "@/lib/api";
import { currentAccountSession } from "@/lib/server/account-session";
import { serverPublicClient } from "@/lib/server/chain";
import { siweNonces } from "@/lib/server/nonce-store";
import { publicOrigin, readRuntimeConfig } from "@/lib/server/runtime-config";
import {
  accountCookieHeader,
  encodeSession,
  newSessionId,
  PRELOGIN_COOKIE,
  preloginCookieHeader,
  readCookie,
  revokeSession,
  SESSION_TTL_SECONDS,
} from "@/lib/server/session";
import { siweLoginSchema, verifySiweLogin } from "@/lib/server/siwe";

/**
 * Sign-In with Ethereum for any wallet (renter or provider), to manage its notifications. The same
 * EIP-4361 checks and nonce as the arbiter console (/api/auth/verify), without the role check, and its
 * own cookie. Lives under /api/auth so the browser sends the nonce's pre-login cookie with it.
 */
export const POST = apiRoute(async (request) => {
  const login = await parseJsonBody(request, siweLoginSchema);
  const origin = publicOrigin();
  const { CHAIN_ID } = readRuntimeConfig();
  const { address } = await verifySiweLogin(login, {
    origin,
    nonceToken: readCookie(request, PRELOGIN_COOKIE),
    chainId: CHAIN_ID,
    nonces: siweNonces,
    client: serverPublicClient(),
  });
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS;
  const cookie = encodeSession({ id: newSessionId(), address, chainId: CHAIN_ID, expiresAt });
  const secure = origin.protocol === "https:";
  const headers = new Headers({ "cache-control": "no-store" });
  headers.append("set-cookie", accountCookieHeader(cookie, SESSION_TTL_SECONDS, secure));
  headers.append("set-cookie", preloginCookieHeader("", 0, secure));
  return json({ address, expiresAt }, { headers });
});

/** The signed-in wallet, or `{ session: null }`. */
export const GET = apiRoute(async (request) => {
  const session = await currentAccountSession(request);
  return json(
    { session: session && { address: session.address, chainId: session.chainId, expiresAt: session.expiresAt } },
    { headers: { "cache-control": "no-store" } },
  );
});

export const DELETE = apiRoute(async (request) => {
  const session = await currentAccountSession(request);
  if (session) await revokeSession(session);
  const secure = publicOrigin().protocol === "https:";
  return json({ signedOut: true }, { headers: { "set-cookie": accountCookieHeader("", 0, secure) } });
});
