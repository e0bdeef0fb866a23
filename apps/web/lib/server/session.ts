import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress, type Address } from "viem";

export const SESSION_COOKIE = "gridlease_admin";
export const SESSION_TTL_SECONDS = 8 * 3600;

export interface AdminSession {
  address: Address;
  chainId: number;
  expiresAt: number;
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
    if (typeof data.address !== "string" || !isAddress(data.address)) return null;
    if (typeof data.chainId !== "number" || typeof data.expiresAt !== "number") return null;
    if (data.expiresAt * 1000 <= now) return null;
    return { address: getAddress(data.address), chainId: data.chainId, expiresAt: data.expiresAt };
  } catch {
    return null;
  }
}

export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
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
