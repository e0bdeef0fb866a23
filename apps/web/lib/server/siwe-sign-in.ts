import { json, parseJsonBody } from "@/lib/api";
import { serverPublicClient } from "@/lib/server/chain";
import { siweNonces } from "@/lib/server/nonce-store";
import { publicOrigin, readRuntimeConfig } from "@/lib/server/runtime-config";
import { encodeSession, newSessionId, PRELOGIN_COOKIE, preloginCookieHeader, readCookie, SESSION_TTL_SECONDS } from "@/lib/server/session";
import { siweLoginSchema, verifySiweLogin } from "@/lib/server/siwe";

/**
 * The POST of a Sign-In with Ethereum route: checks the EIP-4361 message and signature against this
 * origin, chain and the nonce of the pre-login cookie, lets `authorize` refuse the address (by
 * throwing an ApiError), then sets the session cookie `cookieHeader` names and spends the pre-login
 * cookie. The arbiter console (/api/auth/verify) and account sign-in (/api/auth/account) differ only
 * in the role check and the cookie, so the checks live here once.
 */
export async function siweSignIn(
  request: Request,
  cookieHeader: (value: string, maxAgeSeconds: number, secure: boolean) => string,
  authorize: (address: `0x${string}`) => Promise<void> = async () => undefined,
): Promise<Response> {
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
  await authorize(address);
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS;
  const cookie = encodeSession({ id: newSessionId(), address, chainId: CHAIN_ID, expiresAt });
  const secure = origin.protocol === "https:";
  const headers = new Headers({ "cache-control": "no-store" });
  headers.append("set-cookie", cookieHeader(cookie, SESSION_TTL_SECONDS, secure));
  headers.append("set-cookie", preloginCookieHeader("", 0, secure)); // spent: the browser may drop it
  return json({ address, expiresAt }, { headers });
}
