/**
 * Response headers that keep the site's pages from being framed (clickjacking) and limit where its
 * scripts, styles and connections may come from. The production server (http/dispatch.ts) sends
 * them on every answer, pages and API alike; built at run time because the browser talks to the
 * chain's RPC_URL directly, and that URL is runtime configuration (lib/server/runtime-config.ts).
 */

/** Headers that do not depend on configuration; next.config.ts sends these too (`next dev`, `next start`). */
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/**
 * The Content-Security-Policy for a stack whose browser-side RPC is `rpcUrl`.
 * - script-src: 'self' plus 'unsafe-inline', which Next's production build needs for the inline
 *   scripts that carry the React Server Components payload (without a per-request nonce, which would
 *   force every page to render dynamically); never 'unsafe-eval', which only `next dev` uses.
 * - style-src 'unsafe-inline': React and the charts set style attributes.
 * - connect-src: this site and the chain's RPC origin, nothing else.
 * - frame-ancestors 'none': no site may frame these pages (with X-Frame-Options for old browsers).
 */
export function contentSecurityPolicy(rpcUrl: string | undefined): string {
  let rpcOrigin = "";
  try {
    if (rpcUrl) rpcOrigin = new URL(rpcUrl).origin;
  } catch {
    rpcOrigin = ""; // an invalid RPC_URL is reported by the runtime config; the policy stays 'self'
  }
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${rpcOrigin && rpcOrigin !== "null" ? ` ${rpcOrigin}` : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Every security header for one answer of the production server. */
export function securityHeaders(rpcUrl: string | undefined = process.env.RPC_URL): Record<string, string> {
  return { ...STATIC_SECURITY_HEADERS, "content-security-policy": contentSecurityPolicy(rpcUrl) };
}
