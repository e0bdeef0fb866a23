import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress, type Address } from "viem";

export const SESSION_COOKIE = "gridlease_admin";
/** One hour: a session cookie copied off a machine is worth little for long. */
export const SESSION_TTL_SECONDS = 3600;
/** Pre-login cookie binding a sign-in nonce to the browser that asked for it (see nonce-store). */
export const PRELOGIN_COOKIE = "gridlease_siwe";
export const PRELOGIN_TTL_SECONDS = 5 * 60;

export interface AdminSession {
  /** Random id, so that logout can revoke this one session server-side. */
  id: string;
  address: Address;
  chainId: number;
  expiresAt: number;
}

/**
 * Sessions signed out before their expiry (id → expiresAt in seconds), kept until they would have
 * expired anyway, so the list never outgrows one session lifetime of sign-outs. In-process like the
 * sessions' default key; with SESSION_SECRET set, a restart forgets it (see README).
 */
const globalRevoked = globalThis as unknown as { __gridleaseRevokedSessions?: Map<string, number> };
const revoked = (globalRevoked.__gridleaseRevokedSessions ??= new Map<string, number>());

export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

/** Ends a session server-side: its cookie, wherever copied, is refused from now on. */
export function revokeSession(session: AdminSession, now = Date.now()) {
  for (const [id, expiresAt] of revoked) {
    if (expiresAt * 1000 > now) break; // insertion order ≈ expiry order (one lifetime for all)
    revoked.delete(id);
  }
  revoked.set(session.id, session.expiresAt);
}

const globalSecret = globalThis as unknown as { __gridleaseSessionSecret?: Buffer };
/** SESSION_SECRET when set (sessions survive restarts); otherwise a per-process random key. */
function secret(): Buffer {
  const fromEnv = process.env.SESSION_SECRET;
  if (fromEnv && fromEnv.length >= 32) return Buffer.from(fromEnv);
  return (globalSecret.__gridleaseSessionSecret ??= randomBytes(32));
}

function sign(payload: string): string {
  return createHmac("sha256", secret()).update(payload).digest("base64url");
}

export function encodeSession(session: AdminSession): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

/** The session in a cookie value, or null when it is forged, malformed or expired. */
export function decodeSession(value: string | undefined, now = Date.now()): AdminSession | null {
  if (!value) return null;
  const [payload, mac] = value.split(".");
  if (!payload || !mac) return null;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const data = JSON.parse(Buffer.from(payload, "base64url").toString()) as Partial<AdminSession>;
    if (typeof data.id !== "string" || revoked.has(data.id)) return null;
    if (typeof data.address !== "string" || !isAddress(data.address)) return null;
    if (typeof data.chainId !== "number" || typeof data.expiresAt !== "number") return null;
    if (data.expiresAt * 1000 <= now) return null;
    return { id: data.id, address: getAddress(data.address), chainId: data.chainId, expiresAt: data.expiresAt };
  } catch {
    return null;
  }
}

export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return cookieHeader(SESSION_COOKIE, value, "/", maxAgeSeconds, secure);
}

/**
 * A renter's or provider's session (notifications, issue 17): same signed format as the admin session,
 * another cookie, so signing in to manage notifications never opens the arbiter console.
 */
export const ACCOUNT_COOKIE = "gridlease_account";

export function accountCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return cookieHeader(ACCOUNT_COOKIE, value, "/", maxAgeSeconds, secure);
}

/** The pre-login cookie, sent only to /api/auth (where the nonce is checked). */
export function preloginCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return cookieHeader(PRELOGIN_COOKIE, value, "/api/auth", maxAgeSeconds, secure);
}

function cookieHeader(name: string, value: string, path: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${name}=${value}`,
    `Path=${path}`,
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}
