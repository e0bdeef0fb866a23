/**
 * What the production server does with each request, in order (http/main.ts; the tests run the same
 * function with a stand-in for Next): set the security headers (CSP, no framing), stamp the TCP
 * peer's address for the rate limiters, refuse a
 * declared oversized body, answer the public read API directly, hand the rest to Next.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PEER_ADDRESS_HEADER, peerIsTrustedProxy } from "../lib/api/rate-limit";
import { securityHeaders } from "../lib/security-headers";
import { serveApiLane } from "./api-lane";
import { refuseOversizedBody } from "./body-limit";
import { guardMalformedPath } from "./path-guard";

export type NextHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * Writes the socket's address under PEER_ADDRESS_HEADER, replacing any value the client sent, so the
 * rate limiters (lib/api/rate-limit.ts clientKey) key on who is connected rather than on a header.
 */
export function stampPeerAddress(request: IncomingMessage) {
  request.headers[PEER_ADDRESS_HEADER] = request.socket.remoteAddress ?? "unknown";
}

/**
 * Drops X-Forwarded-Host/-Proto unless the peer is one of TRUSTED_PROXIES: any client can send them,
 * and Next and the Origin check (lib/api/origin.ts) would otherwise take a forged host as this site's.
 */
export function dropUntrustedForwarding(request: IncomingMessage) {
  const headers = { get: (name: string) => (request.headers[name] as string | undefined) ?? null };
  if (peerIsTrustedProxy(headers)) return;
  delete request.headers["x-forwarded-host"];
  delete request.headers["x-forwarded-proto"];
}

export function createDispatcher(handleWithNext: NextHandler) {
  const headers = Object.entries(securityHeaders()); // RPC_URL is fixed for the life of the process
  return (request: IncomingMessage, response: ServerResponse) => {
    // Set before anyone answers, so pages, the API lane and error answers all carry them.
    for (const [name, value] of headers) response.setHeader(name, value);
    stampPeerAddress(request);
    dropUntrustedForwarding(request);
    if (refuseOversizedBody(request, response)) return;
    if (guardMalformedPath(request, response)) return;
    serveApiLane(request, response)
      .then((served) => (served ? undefined : handleWithNext(request, response)))
      .catch((error: unknown) => {
        console.error("[web] request failed", error);
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end("Internal server error");
      });
  };
}
