import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { generateSiweNonce } from "viem/siwe";
import { ApiError } from "@/lib/api";

export interface NonceStoreOptions {
  ttlMs: number;
  /** Pending nonces kept at most, all clients together; beyond it new sign-ins wait (429), old ones are kept. */
  maxEntries: number;
  /** Pending nonces one client may hold; a client's next one replaces its own oldest, never anyone else's. */
  maxPerClient?: number;
}

interface Pending {
  expiresAt: number;
  client: string;
  /** SHA-256 of the pre-login cookie the nonce was issued with. */
  binding: Buffer;
}

/** Expired entries removed per `issue` at most: the work per request stays bounded. */
const SWEEP_BUDGET = 64;

const digest = (token: string) => createHash("sha256").update(token).digest();

/**
 * Single-use sign-in nonces with expiry, kept in this server process. Each nonce is bound to a random
 * pre-login token the issuing browser holds in an HttpOnly cookie (see auth/nonce), so a nonce copied
 * to another browser, or relayed by a phishing site, is useless without that cookie. `consume` deletes
 * the nonce before anything else looks at the message, so a nonce can succeed at most once even under
 * replay.
 *
 * Memory and work are bounded: entries sit in issue order (one TTL for all), so expiry pops from the
 * front and stops at the first live one; a client holds at most `maxPerClient` nonces, so one client
 * flooding the endpoint only recycles its own.
 */
export class NonceStore {
  private readonly pending = new Map<string, Pending>();
  private readonly byClient = new Map<string, string[]>();
  private readonly maxPerClient: number;

  constructor(private readonly options: NonceStoreOptions = { ttlMs: 5 * 60_000, maxEntries: 50_000, maxPerClient: 5 }) {
    this.maxPerClient = options.maxPerClient ?? 5;
  }

  get size(): number {
    return this.pending.size;
  }

  /** A new nonce for `client` (the rate-limit key) and the pre-login token to set as its cookie. */
  issue(client = "local", now = Date.now()): { nonce: string; token: string; expiresAt: Date } {
    this.sweep(now);
    const own = this.byClient.get(client) ?? [];
    if (own.length >= this.maxPerClient) this.delete(own[0]!);
    if (this.pending.size >= this.options.maxEntries) {
      throw new ApiError(429, "too_many_sign_ins", "Too many sign-ins are pending; try again in a few minutes.");
    }
    const nonce = generateSiweNonce();
    const token = randomBytes(32).toString("base64url");
    const expiresAt = now + this.options.ttlMs;
    this.pending.set(nonce, { expiresAt, client, binding: digest(token) });
    own.push(nonce);
    this.byClient.set(client, own);
    return { nonce, token, expiresAt: new Date(expiresAt) };
  }

  /**
   * True exactly once for a nonce this store issued, that has not expired, presented with the
   * pre-login token it was issued with. The nonce is spent whatever the verdict.
   */
  consume(nonce: string, token: string | undefined, now = Date.now()): boolean {
    const entry = this.pending.get(nonce);
    if (entry === undefined) return false;
    this.delete(nonce);
    if (entry.expiresAt <= now || !token) return false;
    return timingSafeEqual(entry.binding, digest(token));
  }

  private delete(nonce: string) {
    const entry = this.pending.get(nonce);
    if (!entry) return;
    this.pending.delete(nonce);
    const own = this.byClient.get(entry.client);
    if (!own) return;
    const index = own.indexOf(nonce);
    if (index !== -1) own.splice(index, 1);
    if (own.length === 0) this.byClient.delete(entry.client);
  }

  private sweep(now: number) {
    let budget = SWEEP_BUDGET;
    for (const [nonce, entry] of this.pending) {
      if (entry.expiresAt > now || budget-- === 0) break;
      this.delete(nonce);
    }
  }
}

const globalStore = globalThis as unknown as { __gridleaseNonces?: NonceStore };
/** The process-wide store (survives dev-server module reloads). */
export const siweNonces = (globalStore.__gridleaseNonces ??= new NonceStore());
