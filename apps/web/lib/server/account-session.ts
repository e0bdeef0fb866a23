import { ApiError } from "@/lib/api";
import { readRuntimeConfig } from "./runtime-config";
import { ACCOUNT_COOKIE, decodeSession, readCookie, type AdminSession } from "./session";

/** The signed-in wallet (SIWE, /api/auth/account) for notification routes, or a 401 naming what to do. */
export function requireAccountSession(request: Request): AdminSession {
  const session = decodeSession(readCookie(request, ACCOUNT_COOKIE));
  if (!session || session.chainId !== readRuntimeConfig().CHAIN_ID) {
    throw new ApiError(401, "not_signed_in", "Sign in with your wallet (Sign-In with Ethereum) first.");
  }
  return session;
}

export function currentAccountSession(request: Request): AdminSession | null {
  const session = decodeSession(readCookie(request, ACCOUNT_COOKIE));
  return session && session.chainId === readRuntimeConfig().CHAIN_ID ? session : null;
}
