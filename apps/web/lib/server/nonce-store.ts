import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getPool } from "@gridlease/db/client";
import type pg from "pg";
import { generateSiweNonce } from "viem/siwe";
import { ApiError } from "@/lib/api";

export interface NonceStoreOptions {
  ttlMs: number;
  /** Pending nonces kept at most, all clients together; beyond it new sign-ins wait (429), old ones are kept. */
  maxEntries: number;
  /** Pending nonces one client may hold; a client's next one replaces its own oldest, never anyone else's. */
  maxPerClient?: number;
}

type Queryable = Pick<pg.Pool, "query">;

/** Expired entries removed per `issue` at most: the work per request stays bounded. */
const SWEEP_BUDGET = 64;

const digest = (token: string) => createHash("sha256").update(token).digest();

/**
 * Single-use sign-in nonces with expiry, kept in PostgreSQL (siwe_nonce) so that any web process can
 * spend a nonce another one issued, and none can spend it twice: `consume` is one DELETE … RETURNING,
 * and only one transaction, in whichever process, gets the row. Each nonce is bound to a random
 * pre-login token the issuing browser holds in an HttpOnly cookie (see auth/nonce), so a nonce copied
 * to another browser, or relayed by a phishing site, is useless without that cookie. `consume` deletes
 * the nonce before anything else looks at the message, so a nonce can succeed at most once even under
 * replay.
 *
 * Rows and work are bounded: each issue sweeps at most SWEEP_BUDGET expired rows; a client holds at
 * most `maxPerClient` nonces, so one client flooding the endpoint only recycles its own; past
 * `maxEntries` pending, sign-ins wait (429).
 */
export class NonceStore {
  private readonly maxPerClient: number;

  constructor(
    private readonly options: NonceStoreOptions = { ttlMs: 5 * 60_000, maxEntries: 50_000, maxPerClient: 5 },
    private readonly db: () => Queryable = getPool,
  ) {
    this.maxPerClient = options.maxPerClient ?? 5;
  }

  /** Pending (unexpired) nonces, all clients together. */
  async size(now = Date.now()): Promise<number> {
    const result = await this.db().query<{ n: number }>("select count(*)::int as n from siwe_nonce where expires_at > $1", [new Date(now)]);
    return result.rows[0]!.n;
  }

  /** A new nonce for `client` (the rate-limit key) and the pre-login token to set as its cookie. */
  async issue(client = "local", now = Date.now()): Promise<{ nonce: string; token: string; expiresAt: Date }> {
    const db = this.db();
    const at = new Date(now);
    await db.query(`delete from siwe_nonce where nonce in (select nonce from siwe_nonce where expires_at <= $1 order by expires_at limit ${SWEEP_BUDGET})`, [
      at,
    ]);
    // Make room among the client's own nonces first (its oldest go), so the capacity check below
    // never refuses a client on account of its own earlier requests.
    await db.query(`delete from siwe_nonce where nonce in (select nonce from siwe_nonce where client = $1 order by issued_at desc, nonce offset $2)`, [
      client,
      this.maxPerClient - 1,
    ]);
    if ((await this.size(now)) >= this.options.maxEntries) {
      throw new ApiError(429, "too_many_sign_ins", "Too many sign-ins are pending; try again in a few minutes.");
    }
    const nonce = generateSiweNonce();
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(now + this.options.ttlMs);
    await db.query("insert into siwe_nonce (nonce, client, binding, issued_at, expires_at) values ($1, $2, $3, $4, $5)", [
      nonce,
      client,
      digest(token),
      at,
      expiresAt,
    ]);
    return { nonce, token, expiresAt };
  }

  /**
   * True exactly once for a nonce this store issued, that has not expired, presented with the
   * pre-login token it was issued with. The nonce is spent whatever the verdict.
   */
  async consume(nonce: string, token: string | undefined, now = Date.now()): Promise<boolean> {
    const result = await this.db().query<{ binding: Buffer; expires_at: Date }>("delete from siwe_nonce where nonce = $1 returning binding, expires_at", [
      nonce,
    ]);
    const entry = result.rows[0];
    if (entry === undefined) return false;
    if (entry.expires_at.getTime() <= now || !token) return false;
    return timingSafeEqual(entry.binding, digest(token));
  }
}

const globalStore = globalThis as unknown as { __gridleaseNonces?: NonceStore };
/** The process-wide store (its rows are shared by every web process). */
export const siweNonces = (globalStore.__gridleaseNonces ??= new NonceStore());
