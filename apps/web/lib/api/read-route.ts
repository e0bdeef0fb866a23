import { errorAnswer, JSON_CONTENT_TYPE, toResponse, type ApiAnswer } from "./errors";
import { toJson } from "./handler";
import { publicReadLimiter, rateLimitAnswer, type HeaderReader, type Limiter } from "./rate-limit";

/** What a public read route sees of a request; built from a fetch Request (Next) or a Node request (API lane). */
export interface ReadRequest {
  query: URLSearchParams;
  params: Record<string, string>;
  headers: HeaderReader;
}

/**
 * A public GET endpoint: its path (`:name` matches one segment and becomes a param) and its handler.
 * Next serves it through `nextReadRoute` in app/api/…/route.ts; the production server answers the same
 * definition directly (http/api-lane.ts).
 */
export interface ReadRoute {
  path: `/api/${string}`;
  handle: (request: ReadRequest) => Promise<ApiAnswer>;
}

/** Rate limit, run, and map errors (zod → 400 naming the field, ApiError → its status, else 500). */
export async function answerRead(route: ReadRoute, request: ReadRequest, limiter: Limiter = publicReadLimiter): Promise<ApiAnswer> {
  try {
    return (await rateLimitAnswer(limiter, request.headers)) ?? (await route.handle(request));
  } catch (error) {
    return errorAnswer(error);
  }
}

/** A read route as a Next route handler (`export const GET = nextReadRoute(…)`). */
export function nextReadRoute<P extends Record<string, string> = Record<string, string>>(route: ReadRoute) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> =>
    toResponse(await answerRead(route, { query: new URL(request.url).searchParams, params: await context.params, headers: request.headers }));
}

/** A 200 JSON answer that is never cached by browsers or proxies (the data moves with every block). */
export function jsonAnswer(data: unknown, headers: Record<string, string> = {}): ApiAnswer {
  return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, "cache-control": "no-store", ...headers }, body: toJson(data) };
}
