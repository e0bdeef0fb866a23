import { getPool } from "@gridlease/db/client";
import { type ProxyRange, serverSettings } from "../server/runtime-config";

/** Anything that charges one request to a client's budget: the shared limiter, or the in-process one. */
export interface Limiter {
  take(key: string): RateLimitResult | Promise<RateLimitResult>;
}

export interface RateLimitOptions {
  /** Tokens refilled per second. */
  ratePerSecond: number;
  /** Largest burst a client may spend at once. */
  burst: number;
  /** Buckets kept at most; the oldest are evicted first. */
  maxClients?: number;
  /**
   * SharedRateLimiter only: the most tokens one process reserves from the shared bucket per database
   * round trip (default 1: every request asks the database). See ReservedTokens.
   */
  maxBatch?: number;
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

/**
 * Fixed-memory token-bucket rate limiter keyed by client (IP), in this process only. The API uses
 * SharedRateLimiter (one budget across every web process); this one is its fallback while PostgreSQL
 * cannot be reached, and the reference its SQL implements.
 */
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

/** The bucket's level after refilling for the time since its last request ($3 burst, $5 rate per second). */
const REFILLED = "least($3::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) / 1000.0 * $5::float8)";
/** Whole tokens handed out: up to the $6 asked for, as many as the refilled bucket holds. */
const GRANTED = `least($6::float8, floor(${REFILLED}))`;

/**
 * One statement per database round trip: insert a full bucket minus what is taken, or refill the
 * existing one and take up to $6 whole tokens. The row lock serializes one client's concurrent
 * requests across processes; the SET expressions all read the row as it was, so `granted` and `tokens`
 * agree. Time is the database's clock (one clock for every web host) unless a test passes its own.
 */
const TAKE_SQL = `insert into rate_limit_bucket as b (limiter, client, tokens, updated_ms, allowed, granted)
  select $1, $2, $3::float8 - least($6::float8, floor($3::float8)),
    coalesce($4::bigint, (extract(epoch from clock_timestamp()) * 1000)::bigint), $3::float8 >= 1, least($6::float8, floor($3::float8))::int
  on conflict (limiter, client) do update set
    tokens = ${REFILLED} - ${GRANTED},
    allowed = ${REFILLED} >= 1,
    granted = (${GRANTED})::int,
    updated_ms = greatest(b.updated_ms, excluded.updated_ms)
  returning tokens, granted`;

/** How long the in-process fallback is used after PostgreSQL failed, before the database is tried again. */
const FALLBACK_MS = 5_000;
/** How often a process deletes buckets that have refilled completely (they equal a missing row). */
const SWEEP_INTERVAL_MS = 30_000;
/** How long tokens reserved by one process stay usable; unused ones are then dropped (never returned). */
const RESERVATION_MS = 1_000;
/** A reservation used up within this time doubles the next one (up to maxBatch); otherwise it falls back to 1. */
const BUSY_MS = 250;

/**
 * Tokens one process took from a client's shared bucket ahead of its requests. A busy client (its
 * reservation used up within BUSY_MS) gets twice as many on the next round trip, up to maxBatch; any
 * other client asks for one token per request, exactly as without batching. The shared bucket is never
 * overdrawn: at worst a process holds up to maxBatch tokens of a client for RESERVATION_MS that no
 * other process can use, and drops what is left — the error is always on the strict side.
 */
interface ReservedTokens {
  tokens: number;
  /** The shared bucket's level after the last round trip, for the Remaining header. */
  bucket: number;
  grantedAt: number;
  expiresAt: number;
  batch: number;
  /** Set while a round trip for this client is in flight: concurrent requests wait for it instead of sending their own. */
  refill?: Promise<void>;
  /** After a refusal, the time the shared bucket holds a whole token again (nothing can be granted before). */
  refusedUntil: number;
}

/**
 * Token-bucket rate limiter whose buckets live in PostgreSQL (rate_limit_bucket), so a client has one
 * budget however many web processes serve it: N processes must not mean N budgets. With maxBatch > 1
 * a busy client's tokens are reserved in batches (ReservedTokens), so its requests do not each wait on
 * the same row lock. When the database fails, requests are limited per process (RateLimiter) for
 * FALLBACK_MS rather than refused: the limiter protects the service, it must not become the reason
 * every request fails.
 */
export class SharedRateLimiter implements Limiter {
  private readonly fallback: RateLimiter;
  private fallbackUntil = 0;
  private lastSweep = 0;
  private readonly reserved = new Map<string, ReservedTokens>();
  private readonly maxBatch: number;

  constructor(
    readonly name: string,
    private readonly options: RateLimitOptions,
    private readonly db: () => { query: ReturnType<typeof getPool>["query"] } = getPool,
  ) {
    this.fallback = new RateLimiter(options);
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 1));
  }

  async take(key: string, now?: number): Promise<RateLimitResult> {
    if (Date.now() < this.fallbackUntil) return this.fallback.take(key, now);
    if (this.maxBatch === 1) {
      const taken = await this.takeShared(key, 1, now);
      if (!taken) return this.fallback.take(key, now);
      return this.answer(taken.granted, taken.tokens);
    }
    for (;;) {
      const at = now ?? Date.now();
      let entry = this.reserved.get(key);
      if (entry && at >= entry.expiresAt && !entry.refill) entry.tokens = 0;
      if (entry && entry.tokens >= 1) {
        entry.tokens -= 1;
        return this.answer(1, entry.tokens + entry.bucket);
      }
      if (entry?.refill) {
        await entry.refill;
        continue;
      }
      if (entry && at < entry.refusedUntil) return this.answer(0, entry.bucket);
      if (!entry) {
        if (this.reserved.size >= (this.options.maxClients ?? 10_000)) this.dropExpired(at);
        entry = { tokens: 0, bucket: 0, grantedAt: 0, expiresAt: 0, batch: 1, refusedUntil: 0 };
        this.reserved.set(key, entry);
      }
      const reservation = entry;
      // Used up quickly: this client is busy, ask for more next time; otherwise back to one at a time.
      const batch = at - reservation.grantedAt < BUSY_MS ? Math.min(this.maxBatch, reservation.batch * 2) : 1;
      let outcome = "failed" as "granted" | "refused" | "failed"; // set by the round trip below
      reservation.refill = this.takeShared(key, batch, now).then((taken) => {
        if (!taken) return;
        const grantedAt = now ?? Date.now();
        reservation.batch = batch;
        reservation.bucket = taken.tokens;
        if (taken.granted >= 1) {
          // This request's token is one of them; the rest wait for the next requests.
          reservation.tokens = taken.granted - 1;
          reservation.grantedAt = grantedAt;
          reservation.expiresAt = grantedAt + RESERVATION_MS;
          outcome = "granted";
        } else {
          reservation.refusedUntil = grantedAt + Math.ceil(((1 - taken.tokens) / this.options.ratePerSecond) * 1000);
          outcome = "refused";
        }
      });
      try {
        await reservation.refill;
      } finally {
        reservation.refill = undefined;
      }
      if (outcome === "granted") return this.answer(1, reservation.tokens + reservation.bucket);
      if (outcome === "refused") return this.answer(0, reservation.bucket);
      return this.fallback.take(key, now);
    }
  }

  private answer(granted: number, tokens: number): RateLimitResult {
    if (granted >= 1) return { allowed: true, remaining: Math.floor(tokens), retryAfterSeconds: 0 };
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.ceil((1 - tokens) / this.options.ratePerSecond) };
  }

  /** One round trip: up to `count` tokens from the shared bucket; undefined when PostgreSQL failed (the fallback takes over). */
  private async takeShared(key: string, count: number, now?: number): Promise<{ tokens: number; granted: number } | undefined> {
    const { ratePerSecond, burst } = this.options;
    try {
      const result = await this.db().query<{ tokens: number; granted: number }>(TAKE_SQL, [this.name, key, burst, now ?? null, ratePerSecond, count]);
      this.sweep(now);
      return result.rows[0]!;
    } catch (error) {
      this.fallbackUntil = Date.now() + FALLBACK_MS;
      console.error(
        `[web] rate limiter ${this.name}: PostgreSQL failed (${error instanceof Error ? error.message : String(error)}); limiting per process for ${FALLBACK_MS / 1000} s`,
      );
      return undefined;
    }
  }

  /**
   * Keeps the reservations within maxClients under many clients: forgets those that can no longer be
   * spent, then, if that freed less than a tenth, the oldest (their tokens are lost: the strict side).
   */
  private dropExpired(at: number) {
    const limit = Math.floor((this.options.maxClients ?? 10_000) * 0.9);
    for (const [key, entry] of this.reserved) {
      if (!entry.refill && at >= entry.expiresAt && at >= entry.refusedUntil) this.reserved.delete(key);
    }
    for (const [key, entry] of this.reserved) {
      if (this.reserved.size <= limit) break;
      if (!entry.refill) this.reserved.delete(key);
    }
  }

  /** Drops buckets idle long enough to be full again: the table holds only clients active lately. */
  private sweep(now?: number) {
    const at = now ?? Date.now();
    if (at - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = at;
    const fullAfterMs = Math.ceil((this.options.burst / this.options.ratePerSecond) * 1000);
    this.db()
      .query(
        `delete from rate_limit_bucket where limiter = $1
         and updated_ms < coalesce($2::bigint, (extract(epoch from clock_timestamp()) * 1000)::bigint) - $3::bigint`,
        [this.name, now ?? null, fullAfterMs],
      )
      .catch(() => undefined);
  }
}

import { BlockList, isIP } from "node:net";
import { envValue } from "@gridlease/db/env";
import { jsonErrorAnswer, type ApiAnswer } from "./errors";

/** The part of a request's headers the API reads; a fetch `Headers` is one. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The TCP peer's address, written by the production server (http/dispatch.ts) over whatever the
 * client sent under this name. Absent when nothing stamped it (`next dev`, in-process tests).
 */
export const PEER_ADDRESS_HEADER = "x-gridlease-peer-address";

/** An address as written in X-Forwarded-For or by the socket, without port, brackets or IPv4-mapping prefix. */
function normalizeAddress(raw: string): string {
  let value = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  if (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(value)) value = value.slice(7);
  return value.toLowerCase();
}

/**
 * The key for one client address: IPv4 as is, IPv6 by its /64, since one host is routinely handed a
 * whole /64 and could otherwise take 2^64 fresh budgets.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6 || address.includes(".")) return address;
  const [head, tail] = address.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** A BlockList of trusted proxies with its answers kept per address (checked on every request). */
class TrustedList extends BlockList {
  readonly empty: boolean;
  private readonly answers = new Map<string, boolean>();

  constructor(ranges: ProxyRange[]) {
    super();
    for (const range of ranges) this.addSubnet(range.address, range.bits, range.family);
    this.empty = ranges.length === 0;
  }

  /** Whether `address` is in a trusted range: BlockList.check builds a SocketAddress per call, so answers are kept (at most 10,000 addresses). */
  includes(address: string): boolean {
    if (this.empty) return false;
    let answer = this.answers.get(address);
    if (answer === undefined) {
      const family = isIP(address);
      answer = family !== 0 && this.check(address, family === 6 ? "ipv6" : "ipv4");
      if (this.answers.size >= 10_000) this.answers.clear();
      this.answers.set(address, answer);
    }
    return answer;
  }
}

let trustedCache: { source: string | undefined; ranges: ProxyRange[]; list: TrustedList } | undefined;

/**
 * TRUSTED_PROXIES (lib/server/runtime-config.ts): comma-separated CIDRs (or single addresses) of the
 * reverse proxies in front of this server; none by default. `source` overrides the environment's value.
 */
export function trustedProxies(source?: string): BlockList {
  const raw = source ?? envValue("TRUSTED_PROXIES");
  // Asked twice per request: the settings are validated again only when the variable changed.
  if (trustedCache && trustedCache.source === raw) return trustedCache.list;
  const ranges = serverSettings(source === undefined ? process.env : { TRUSTED_PROXIES: source }).TRUSTED_PROXIES;
  // The settings are cached per value, so the same ranges object means the same list.
  const list = trustedCache?.ranges === ranges ? trustedCache.list : new TrustedList(ranges);
  trustedCache = { source: raw, ranges, list };
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  if (list instanceof TrustedList) return list.includes(address);
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Whether the TCP peer (as stamped by the production server) is one of TRUSTED_PROXIES, so that its
 * X-Forwarded-* headers were written by our own proxy. Unstamped (dev server, tests): no.
 */
export function peerIsTrustedProxy(headers: HeaderReader, trusted: BlockList = trustedProxies()): boolean {
  if (trusted instanceof TrustedList && trusted.empty) return false;
  const peerHeader = headers.get(PEER_ADDRESS_HEADER);
  return peerHeader !== null && peerHeader !== "" && isTrusted(trusted, normalizeAddress(peerHeader));
}

/**
 * The client key for rate limiting: the TCP peer's address, which a client cannot choose. Only when
 * that peer is one of TRUSTED_PROXIES is X-Forwarded-For consulted, from the right (what the trusted
 * proxies appended) to the first hop that is not itself a trusted proxy: everything left of it was
 * written by the client and is ignored. Without a stamped peer (dev server, tests) all requests share
 * one key rather than trusting a header.
 */
export function clientKey(headers: HeaderReader, trusted: BlockList = trustedProxies()): string {
  const peerHeader = headers.get(PEER_ADDRESS_HEADER);
  if (!peerHeader) return "local";
  const peer = normalizeAddress(peerHeader);
  if (!isTrusted(trusted, peer)) return addressKey(peer);
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map(normalizeAddress).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, hops[i]!)) return addressKey(hops[i]!.slice(0, 64));
  }
  return addressKey(hops[0] ?? peer); // every hop a trusted proxy: the request started inside
}

/** The 429 answer when this client is over the limiter's budget (charging one request), else null. */
export async function rateLimitAnswer(limiter: Limiter, headers: HeaderReader): Promise<ApiAnswer | null> {
  const result = await limiter.take(clientKey(headers));
  if (result.allowed) return null;
  return jsonErrorAnswer(429, "rate_limited", "Too many requests; slow down.", undefined, { "retry-after": String(result.retryAfterSeconds) });
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

// The budgets live in PostgreSQL (SharedRateLimiter), named by limiter, so every web process and both
// loaders of the route modules in one process (Next and the API lane, http/api-lane.ts) charge the
// same bucket. Kept on globalThis so each process builds its limiters (and fallbacks) once.
const shared = globalThis as typeof globalThis & {
  __gridleaseLimiters?: { publicRead: SharedRateLimiter; write: SharedRateLimiter; heartbeat: SharedRateLimiter };
};
const readBurst = envNumber("API_RATE_LIMIT_BURST", 400);
shared.__gridleaseLimiters ??= {
  // A busy reader's tokens are reserved up to a twentieth of its burst per round trip (ReservedTokens).
  publicRead: new SharedRateLimiter("read", {
    ratePerSecond: envNumber("API_RATE_LIMIT_PER_SECOND", 200),
    burst: readBurst,
    maxBatch: Math.max(1, Math.floor(readBurst / 20)),
  }),
  write: new SharedRateLimiter("write", { ratePerSecond: envNumber("API_WRITE_RATE_LIMIT_PER_SECOND", 5), burst: envNumber("API_WRITE_RATE_LIMIT_BURST", 20) }),
  // Agents post once a minute each; a fleet of N providers behind one address needs N / heartbeatSeconds a
  // second (500 providers every 60 s: 8.3/s, which the default refused as 429 for all but a few dozen).
  heartbeat: new SharedRateLimiter("heartbeat", {
    ratePerSecond: envNumber("API_HEARTBEAT_RATE_LIMIT_PER_SECOND", 2),
    burst: envNumber("API_HEARTBEAT_RATE_LIMIT_BURST", 30),
  }),
};

/** Limits shared by the public API routes; generous enough for the UI and the benchmark, tunable by env. */
export const publicReadLimiter = shared.__gridleaseLimiters.publicRead;
export const writeLimiter = shared.__gridleaseLimiters.write;
export const heartbeatLimiter = shared.__gridleaseLimiters.heartbeat;
