import { generateSiweNonce } from "viem/siwe";

export interface NonceStoreOptions {
  ttlMs: number;
  maxEntries: number;
}

/**
 * Single-use sign-in nonces with expiry, kept in this server process. `consume` deletes the nonce
 * before anything else looks at the message, so a nonce can succeed at most once even under replay.
 */
export class NonceStore {
  private readonly issued = new Map<string, number>();

  constructor(private readonly options: NonceStoreOptions = { ttlMs: 5 * 60_000, maxEntries: 50_000 }) {}

  issue(now = Date.now()): { nonce: string; expiresAt: Date } {
    this.sweep(now);
    if (this.issued.size >= this.options.maxEntries) {
      const oldest = this.issued.keys().next().value;
      if (oldest !== undefined) this.issued.delete(oldest);
    }
    const nonce = generateSiweNonce();
    const expiresAt = now + this.options.ttlMs;
    this.issued.set(nonce, expiresAt);
    return { nonce, expiresAt: new Date(expiresAt) };
  }

  /** True exactly once for a nonce this store issued and that has not expired. */
  consume(nonce: string, now = Date.now()): boolean {
    const expiresAt = this.issued.get(nonce);
    if (expiresAt === undefined) return false;
    this.issued.delete(nonce);
    return expiresAt > now;
  }

  private sweep(now: number) {
    for (const [nonce, expiresAt] of this.issued) {
      if (expiresAt <= now) this.issued.delete(nonce);
    }
  }
}

const globalStore = globalThis as unknown as { __gridleaseNonces?: NonceStore };
/** The process-wide store (survives dev-server module reloads). */
export const siweNonces = (globalStore.__gridleaseNonces ??= new NonceStore());
