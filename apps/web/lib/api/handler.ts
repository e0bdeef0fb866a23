import type { z } from "zod";
import { ApiError, errorResponse, JSON_CONTENT_TYPE, jsonError, toResponse } from "./errors";
import { checkOrigin } from "./origin";
import { publicReadLimiter, rateLimitAnswer, writeLimiter, type Limiter } from "./rate-limit";

export interface ApiRouteOptions {
  /** Limiter to charge; defaults to the public read limiter for GET and the write limiter otherwise. `false` turns it off. */
  rateLimiter?: Limiter | false;
  /** Refuse foreign/`null` Origins; defaults to true for non-GET methods. */
  checkOrigin?: boolean;
}

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (request: Request, context: RouteContext<P>) => Promise<Response>;

/**
 * Wraps a Next route handler: rate limit, Origin check for writes, and error mapping
 * (zod → 400 naming the field, ApiError → its status, anything else → 500).
 */
export function apiRoute<P = Record<string, string>>(handler: Handler<P>, options: ApiRouteOptions = {}): Handler<P> {
  return async (request, context) => {
    try {
      const isRead = request.method === "GET" || request.method === "HEAD";
      const limiter = options.rateLimiter ?? (isRead ? publicReadLimiter : writeLimiter);
      const limited = limiter ? await rateLimitAnswer(limiter, request.headers) : null;
      if (limited) return toResponse(limited);
      if (options.checkOrigin ?? !isRead) {
        const origin = checkOrigin(request);
        if (!origin.ok) return jsonError(403, "forbidden_origin", origin.reason);
      }
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Parses URL search params with a zod schema; repeated keys become arrays, single keys stay strings. */
export function parseQuery<S extends z.ZodType>(params: URLSearchParams, schema: S): z.infer<S> {
  const raw: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    raw[key] = values.length === 1 ? values[0]! : values;
  }
  return schema.parse(raw);
}

/**
 * parseQuery for one schema with its answers kept per query string (at most `max`, the oldest dropped
 * first), together with whatever `derive` makes of them: a query asked again skips validation, which
 * is most of the CPU of answering a cached search. Only for pure schemas (no clock, no randomness);
 * callers must not mutate what they get. Refused queries are not kept (each is validated again).
 */
export class ParsedQueries<S extends z.ZodType, D> {
  private readonly kept = new Map<string, D>();

  constructor(
    private readonly schema: S,
    private readonly derive: (parsed: z.infer<S>) => D,
    private readonly max = 1024,
  ) {}

  parse(params: URLSearchParams): D {
    const key = params.toString();
    let value = this.kept.get(key);
    if (value === undefined) {
      value = this.derive(parseQuery(params, this.schema));
      if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(key, value);
    }
    return value;
  }
}

/** parseQuery over a fetch Request's URL. */
export function parseSearchParams<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  return parseQuery(new URL(request.url).searchParams, schema);
}

/** Largest JSON body any API route reads (parseJsonBody's default). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `(body): the request body is larger than ${maxBytes} bytes.`, "(body)");
}

/**
 * The request body, read up to `maxBytes` and no further: a declared Content-Length over the limit is
 * refused before reading anything, and a body without one (chunked) is counted as it streams and
 * dropped at the limit. So a huge upload costs at most `maxBytes` of memory, never its own size.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop reading and let go of what was read; the server discards or closes the rest. Not
      // `cancel()`: on Node that destroys the socket, and the client would never see the 413.
      reader.releaseLock();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Reads a JSON body (at most `maxBytes`, else 413 naming the body) and parses it; malformed JSON is a 400, not a 500. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S, maxBytes = MAX_JSON_BODY_BYTES): Promise<z.infer<S>> {
  const text = new TextDecoder().decode(await readBodyLimited(request, maxBytes));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "bad_request", "(body): not valid JSON", "(body)");
  }
  return schema.parse(value);
}

/** JSON text with `bigint` values written as decimal strings (token amounts exceed 2^53). */
export function toJson(data: unknown): string {
  return JSON.stringify(data, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}

/** JSON answer (see toJson). */
export function json(data: unknown, init?: ResponseInit): Response {
  const body = toJson(data);
  const headers = new Headers(init?.headers);
  headers.set("content-type", JSON_CONTENT_TYPE);
  return new Response(body, { ...init, headers });
}
