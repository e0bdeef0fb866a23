import { ApiError, apiRoute, json, parseJsonBody } from "@/lib/api";
import { isArbiter } from "@/lib/server/arbiter";
import { serverPublicClient } from "@/lib/server/chain";
import { siweNonces } from "@/lib/server/nonce-store";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import { encodeSession, sessionCookieHeader, SESSION_TTL_SECONDS } from "@/lib/server/session";
import { siweLoginSchema, verifySiweLogin } from "@/lib/server/siwe";

export const POST = apiRoute(async (request) => {
  const login = await parseJsonBody(request, siweLoginSchema);
  const host = request.headers.get("host");
  if (!host) throw new ApiError(400, "bad_request", "host: the request has no Host header", "host");
  const { CHAIN_ID } = readRuntimeConfig();
  const { address } = await verifySiweLogin(login, { expectedDomain: host, chainId: CHAIN_ID, nonces: siweNonces, client: serverPublicClient() });
  if (!(await isArbiter(address))) {
    throw new ApiError(403, "not_arbiter", `${address} does not hold the arbiter role, so the console stays closed.`);
  }
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS;
  const cookie = encodeSession({ address, chainId: CHAIN_ID, expiresAt });
  const secure = new URL(request.url).protocol === "https:";
  return json({ address, expiresAt }, { headers: { "set-cookie": sessionCookieHeader(cookie, SESSION_TTL_SECONDS, secure) } });
});
