import { ApiError, apiRoute, json, parseJsonBody } from "@/lib/api";
import { isArbiter } from "@/lib/server/arbiter";
import { serverPublicClient } from "@/lib/server/chain";
import { siweNonces } from "@/lib/server/nonce-store";
import { publicOrigin, readRuntimeConfig } from "@/lib/server/runtime-config";
import { encodeSession, newSessionId, PRELOGIN_COOKIE, preloginCookieHeader, readCookie, sessionCookieHeader, SESSION_TTL_SECONDS } from "@/lib/server/session";
import { siweLoginSchema, verifySiweLogin } from "@/lib/server/siwe";

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
  if (!(await isArbiter(address))) {
    throw new ApiError(403, "not_arbiter", `${address} does not hold the arbiter role, so the console stays closed.`);
  }
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS;
  const cookie = encodeSession({ id: newSessionId(), address, chainId: CHAIN_ID, expiresAt });
  const secure = origin.protocol === "https:";
  const headers = new Headers({ "cache-control": "no-store" });
  headers.append("set-cookie", sessionCookieHeader(cookie, SESSION_TTL_SECONDS, secure));
  headers.append("set-cookie", preloginCookieHeader("", 0, secure)); // spent: the browser may drop it
  return json({ address, expiresAt }, { headers });
});
