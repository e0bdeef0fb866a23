/**
 * Fixed-memory token-bucket rate limiter keyed by client (IP). In-process: the web app runs as one
 * Node server, so a shared store would only add a moving part.
 */
export interface RateLimitOptions {
  /** Tokens refilled per second. */
  ratePerSecond: number;
  /** Largest burst a client may spend at once. */
  burst: number;
  /** Buckets kept at most; the oldest are evicted first. */
  maxClients?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxClients = options.maxClients ?? 10_000;
  }

  take(key: string, now = Date.now()): RateLimitResult {
    const { ratePerSecond, burst } = this.options;
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-insert below keeps Map order = least recently used first
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond);
      bucket.updatedAt = now;
    } else {
      bucket = { tokens: burst, updatedAt: now };
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / ratePerSecond) };
  }
}

import { jsonErrorAnswer, type ApiAnswer } from "./errors";

/** The part of a request's headers the API reads; a fetch `Headers` is one. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** The client key for rate limiting: first X-Forwarded-For hop, else X-Real-IP, else one shared local key. */
export function clientKey(headers: HeaderReader): string {
  const forwarded = headers.get("x-forwarded-for");
  if (forwarded) return forwarded.split(",")[0]!.trim();
  return headers.get("x-real-ip") ?? "local";
}

/** The 429 answer when this client is over the limiter's budget (charging one request), else null. */
export function rateLimitAnswer(limiter: RateLimiter, headers: HeaderReader): ApiAnswer | null {
  const result = limiter.take(clientKey(headers));
  if (result.allowed) return null;
  return jsonErrorAnswer(429, "rate_limited", "Too many requests; slow down.", undefined, { "retry-after": String(result.retryAfterSeconds) });
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

// One set of limiters per process, kept on globalThis: the route modules are loaded twice in production,
// by Next and by the server's API lane (server/api-lane.ts), and a client must not get two budgets.
const shared = globalThis as typeof globalThis & { __gridleaseLimiters?: { publicRead: RateLimiter; write: RateLimiter } };
shared.__gridleaseLimiters ??= {
  publicRead: new RateLimiter({ ratePerSecond: envNumber("API_RATE_LIMIT_PER_SECOND", 200), burst: envNumber("API_RATE_LIMIT_BURST", 400) }),
  write: new RateLimiter({ ratePerSecond: envNumber("API_WRITE_RATE_LIMIT_PER_SECOND", 5), burst: envNumber("API_WRITE_RATE_LIMIT_BURST", 20) }),
};

/** Limits shared by the public API routes; generous enough for the UI and the benchmark, tunable by env. */
export const publicReadLimiter = shared.__gridleaseLimiters.publicRead;
export const writeLimiter = shared.__gridleaseLimiters.write;
