/**
 * The public read API answered straight from Node's HTTP server, next to Next.js rather than through it.
 *
 * Next's request pipeline (router, fetch Request/Response objects, web-stream piping, async context)
 * costs about 0.8 ms of CPU per request on a 2-core machine, many times a cached search answer itself;
 * that capped one process at ≈1,200 req/s with a 90 ms p95 at 50 connections (docs/benchmarks.md).
 * The lane runs the same route definitions Next serves (lib/api/public-read-routes.ts: same
 * validation, rate limiter, cache and error shapes); only the dispatch around them is lighter.
 * Everything else — pages, auth, writes — goes to Next.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HeaderReader } from "../lib/api/rate-limit";
import { answerRead, type ReadRoute } from "../lib/api/read-route";
import { publicReadRoutes } from "../lib/api/public-read-routes";

const ROUTES = Object.values(publicReadRoutes).map((route: ReadRoute) => ({ route, segments: route.path.split("/").slice(1) }));

export interface LaneMatch {
  route: ReadRoute;
  params: Record<string, string>;
}

/** The read route for a method and path, or null when Next should answer (other methods, other paths). */
export function matchApiLane(method: string | undefined, pathname: string): LaneMatch | null {
  if ((method !== "GET" && method !== "HEAD") || !pathname.startsWith("/api/")) return null;
  const segments = pathname.split("/").slice(1);
  for (const { route, segments: pattern } of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < pattern.length && matched; i++) {
      const expected = pattern[i]!;
      if (!expected.startsWith(":")) matched = expected === segments[i];
      else if (segments[i] === "") matched = false;
      else {
        try {
          params[expected.slice(1)] = decodeURIComponent(segments[i]!);
        } catch {
          matched = false; // a malformed escape: the dispatch answered it already (server/path-guard.ts)
        }
      }
    }
    if (matched) return { route, params };
  }
  return null;
}

function headerReader(request: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const value = request.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Answers a read route and returns true, or returns false (writing nothing) when Next should answer. */
export async function serveApiLane(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const target = request.url ?? "/";
  const queryStart = target.indexOf("?");
  const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
  const match = matchApiLane(request.method, pathname);
  if (!match) return false;
  const query = new URLSearchParams(queryStart === -1 ? "" : target.slice(queryStart + 1));
  const answer = await answerRead(match.route, { query, params: match.params, headers: headerReader(request) });
  const body = typeof answer.body === "string" ? Buffer.from(answer.body) : answer.body;
  response.writeHead(answer.status, { ...answer.headers, "content-length": String(body.byteLength) });
  response.end(request.method === "HEAD" ? undefined : body);
  return true;
}
