import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getPool } from "@gridlease/db/client";
import { getAddress, isAddress, type Address } from "viem";
import { serverSettings } from "./runtime-config";

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
 * expired anyway, so the list never outgrows one session lifetime of sign-outs. The list of record is
 * PostgreSQL's web_session_revoked, shared by every web process; this set mirrors it (loaded at start,
 * then fed by NOTIFY on SESSION_REVOKED_CHANNEL, lib/server/shared-state.ts) so that the synchronous
 * decodeSession refuses a copied cookie everywhere. readSession also asks the database, for the
 * moment between a sign-out in one process and the notification reaching another.
 */
const globalRevoked = globalThis as unknown as { __gridleaseRevokedSessions?: Map<string, number> };
const revoked = (globalRevoked.__gridleaseRevokedSessions ??= new Map<string, number>());

/** PostgreSQL channel on which a web process announces a sign-out to the others (payload: session id). */
export const SESSION_REVOKED_CHANNEL = "gridlease_session_revoked";

export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

/** Records a revocation heard from another process (or loaded at start) in this process's mirror. */
export function rememberRevoked(id: string, expiresAt: number, now = Date.now()) {
  for (const [known, until] of revoked) {
    if (until * 1000 > now) break; // insertion order ≈ expiry order (one lifetime for all)
    revoked.delete(known);
  }
  revoked.set(id, expiresAt);
}

/**
 * Ends a session server-side, in every web process: its cookie, wherever copied, is refused from now
 * on. Refused here at once; stored in PostgreSQL and announced to the other processes. Resolves false
 * (and logs) when the database could not record it: the caller decides whether that is an error.
 */
export async function revokeSession(session: AdminSession, now = Date.now()): Promise<boolean> {
  rememberRevoked(session.id, session.expiresAt, now);
  try {
    await getPool().query(
      `with stored as (insert into web_session_revoked (session_id, expires_at) values ($1, to_timestamp($2)) on conflict do nothing)
       select pg_notify($3, $4)`,
      [session.id, session.expiresAt, SESSION_REVOKED_CHANNEL, JSON.stringify({ id: session.id, expiresAt: session.expiresAt })],
    );
    return true;
  } catch (error) {
    console.error(`[web] could not record the sign-out of session ${session.id}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

/** Whether PostgreSQL holds a revocation of this session (any process may have written it). */
export async function revokedInDatabase(id: string): Promise<boolean> {
  const result = await getPool().query("select 1 from web_session_revoked where session_id = $1", [id]);
  return (result.rowCount ?? 0) > 0;
}

/** decodeSession, then the database's word on revocation: the check for anything that grants access. */
export async function readSession(value: string | undefined, now = Date.now()): Promise<AdminSession | null> {
  const session = decodeSession(value, now);
  if (!session) return null;
  if (await revokedInDatabase(session.id)) {
    rememberRevoked(session.id, session.expiresAt, now);
    return null;
  }
  return session;
}

const globalSecret = globalThis as unknown as { __gridleaseSessionSecret?: Buffer };
/**
 * SESSION_SECRET when set; else the key shared through PostgreSQL (web_secret, loaded by
 * lib/server/shared-state.ts when the server starts), so every web process signs alike; else (in-process
 * tests, `next dev`) a per-process random key.
 */
function secret(): Buffer {
  const fromEnv = serverSettings().SESSION_SECRET;
  if (fromEnv) return Buffer.from(fromEnv);
  return (globalSecret.__gridleaseSessionSecret ??= randomBytes(32));
}

/** Sets the signing key every process shares (shared-state.ts); SESSION_SECRET still wins. */
export function useSharedSessionSecret(key: Buffer) {
  globalSecret.__gridleaseSessionSecret = key;
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
  return [`${name}=${value}`, `Path=${path}`, "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeSeconds}`, ...(secure ? ["Secure"] : [])].join("; ");
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
