/**
 * CSRF guard for state-changing routes. Browsers always send Origin on cross-site POSTs, so a
 * foreign or opaque (`null`) Origin is refused; requests without Origin come from non-browser
 * clients (the provider agent, curl) and are allowed.
 */
import { serverSettings } from "../server/runtime-config";
import { peerIsTrustedProxy } from "./rate-limit";

export type OriginCheck = { ok: true } | { ok: false; reason: string };

function allowedOrigins(request: Request): Set<string> {
  const allowed = new Set<string>();
  const url = new URL(request.url);
  allowed.add(url.origin);
  // X-Forwarded-Host/-Proto are any client's to write: they count only when the connection comes from
  // one of TRUSTED_PROXIES, else a foreign page could name its own host there and pass this check.
  const forwarded = peerIsTrustedProxy(request.headers);
  const host = (forwarded ? request.headers.get("x-forwarded-host") : null) ?? request.headers.get("host");
  if (host) {
    const proto = (forwarded ? request.headers.get("x-forwarded-proto") : null) ?? url.protocol.replace(":", "");
    allowed.add(`${proto}://${host}`);
  }
  for (const origin of serverSettings().ALLOWED_ORIGINS) allowed.add(origin);
  return allowed;
}

export function checkOrigin(request: Request): OriginCheck {
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return { ok: true };
  const origin = request.headers.get("origin");
  if (origin === null) return { ok: true };
  if (origin === "null") return { ok: false, reason: "Requests from an opaque (null) origin are not allowed." };
  if (!allowedOrigins(request).has(origin)) return { ok: false, reason: `Origin ${origin} is not allowed.` };
  return { ok: true };
}
