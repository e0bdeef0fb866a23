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

import { BlockList, isIP } from "node:net";
import { jsonErrorAnswer, type ApiAnswer } from "./errors";

/** The part of a request's headers the API reads; a fetch `Headers` is one. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The TCP peer's address, written by the production server (server/dispatch.ts) over whatever the
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
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

let trustedCache: { source: string; list: BlockList } | undefined;

/** TRUSTED_PROXIES: comma-separated CIDRs (or single addresses) of the reverse proxies in front of this server; none by default. */
export function trustedProxies(source = process.env.TRUSTED_PROXIES ?? ""): BlockList {
  if (trustedCache?.source === source) return trustedCache.list;
  const list = new BlockList();
  for (const entry of source.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address ?? "");
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    }
    list.addSubnet(address!, bits, family === 6 ? "ipv6" : "ipv4");
  }
  trustedCache = { source, list };
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Whether the TCP peer (as stamped by the production server) is one of TRUSTED_PROXIES, so that its
 * X-Forwarded-* headers were written by our own proxy. Unstamped (dev server, tests): no.
 */
export function peerIsTrustedProxy(headers: HeaderReader, trusted: BlockList = trustedProxies()): boolean {
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
