/**
 * Requests whose path Next cannot take apart, answered before they reach it (http/dispatch.ts).
 *
 * A malformed percent-escape in the path (`%FF`, an encoded UTF-16 surrogate `%ED%A0%80`, a lone `%`)
 * makes `decodeURIComponent` throw inside Next's router, which answered a plain-text 500. The API
 * answers 400 JSON naming the path parameter; a page path is handed to Next as a path no page has, so
 * the visitor gets the site's own 404 page.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { jsonErrorAnswer } from "../lib/api/errors";
import { publicReadRoutes } from "../lib/api/public-read-routes";

/** A path no page or route answers: Next renders app/not-found for it with status 404. */
export const NOT_FOUND_PATH = "/_gridlease/not-found";

const PATTERNS = Object.values(publicReadRoutes).map((route) => route.path.split("/").slice(1));

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** The name to report for a malformed segment: the route's parameter when an API route has one there. */
function fieldFor(segments: string[], index: number): string {
  for (const pattern of PATTERNS) {
    if (pattern.length !== segments.length) continue;
    if (pattern.every((part, i) => part.startsWith(":") || part === segments[i])) {
      const part = pattern[index]!;
      if (part.startsWith(":")) return part.slice(1);
    }
  }
  return "(path)";
}

/**
 * Answers (API) or redirects to the 404 page (pages) a request whose path has a malformed escape and
 * returns true when it answered; otherwise leaves the request alone and returns false.
 */
export function guardMalformedPath(request: IncomingMessage, response: ServerResponse): boolean {
  const target = request.url ?? "/";
  const queryStart = target.indexOf("?");
  const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
  if (!pathname.includes("%")) return false;
  const segments = pathname.split("/").slice(1);
  const bad = segments.findIndex((segment) => !decodes(segment));
  if (bad === -1) return false;
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    const field = fieldFor(segments, bad);
    const answer = jsonErrorAnswer(400, "bad_request", `${field}: malformed percent-encoding in the path`, field);
    response.writeHead(answer.status, answer.headers);
    response.end(request.method === "HEAD" ? undefined : answer.body);
    return true;
  }
  request.url = NOT_FOUND_PATH; // Next's not-found page, status 404
  return false;
}
