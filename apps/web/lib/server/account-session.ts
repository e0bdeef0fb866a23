import { ApiError } from "@/lib/api";
import { readRuntimeConfig } from "./runtime-config";
import { ACCOUNT_COOKIE, readCookie, readSession, type AdminSession } from "./session";

/**
 * The signed-in wallet (SIWE, /api/auth/account) for notification routes, or a 401 naming what to do.
 * readSession asks PostgreSQL too, so a sign-out in one web process holds in every other.
 */
export async function requireAccountSession(request: Request): Promise<AdminSession> {
  const session = await readSession(readCookie(request, ACCOUNT_COOKIE));
  if (!session || session.chainId !== readRuntimeConfig().CHAIN_ID) {
    throw new ApiError(401, "not_signed_in", "Sign in with your wallet (Sign-In with Ethereum) first.");
  }
  return session;
}

export async function currentAccountSession(request: Request): Promise<AdminSession | null> {
  const session = await readSession(readCookie(request, ACCOUNT_COOKIE));
  return session && session.chainId === readRuntimeConfig().CHAIN_ID ? session : null;
}
