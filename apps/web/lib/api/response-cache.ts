/**
 * Serialized API answers reused while the data under them cannot have changed.
 *
 * Search results change only when the indexer advances or a heartbeat updates uptime, so an answer is
 * keyed by (normalized query, data version). The version is read at most once per `versionCheckMs`
 * (one query shared by every request in that window, never one per request), and every entry also
 * expires after `maxAgeMs` so that a write the version does not see (a manual fix in the database,
 * two heartbeat transactions committing out of order) still shows within `maxAgeMs`; somewhere between
 * half and nine tenths of that age (a random point per entry, so that answers cached together are not
 * all recomputed together) it is recomputed in the background, so requests wait only for a new
 * version, never for the age limit.
 */
export interface VersionedResponseCacheOptions {
  /** Reads the current data version (e.g. the indexer cursor's block). */
  readVersion: () => Promise<string>;
  /** How long a read version is trusted; bounds how late a new block is noticed. */
  versionCheckMs?: number;
  /** Longest an answer is served, whatever the version says. */
  maxAgeMs?: number;
  /** Answers kept at most; the least recently used go first. */
  maxEntries?: number;
  now?: () => number;
  /** Source of the refresh jitter, in [0, 1). */
  random?: () => number;
}

interface Entry<V> {
  version: string;
  storedAt: number;
  /** When a hit starts recomputing this answer in the background. */
  refreshAt: number;
  body: Promise<V>;
  refreshing?: boolean;
}

export class VersionedResponseCache<V = Uint8Array> {
  private readonly entries = new Map<string, Entry<V>>();
  private version: { value: Promise<string>; readAt: number } | null = null;
  private versionCheckMs: number;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Answers served from the cache and answers computed; read by tests and the benchmark's log. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly options: VersionedResponseCacheOptions) {
    this.versionCheckMs = options.versionCheckMs ?? 200;
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 2000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The current data version, re-read when the last read is older than `versionCheckMs`. */
  currentVersion(): Promise<string> {
    const now = this.now();
    if (!this.version || now - this.version.readAt >= this.versionCheckMs) {
      const value = this.options.readVersion();
      const read = { value, readAt: now };
      this.version = read;
      // A failed read must not be trusted for the whole window: the next request tries again.
      value.catch(() => {
        if (this.version === read) this.version = null;
      });
    }
    return this.version.value;
  }

  /**
   * The serialized answer for `key` at the current data version: from the cache, or from `compute`
   * given that version (concurrent misses for one key share a single computation). Failures are never cached.
   */
  async get(key: string, compute: (version: string) => Promise<V>): Promise<{ body: V; hit: boolean }> {
    const version = await this.currentVersion();
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.version === version && now - cached.storedAt < this.maxAgeMs) {
      // Re-insert so Map order stays least recently used first.
      this.entries.delete(key);
      this.entries.set(key, cached);
      this.stats.hits++;
      // Before the age limit, an answer is recomputed in the background so that requests never queue
      // behind it (only behind a new version, which must not serve the old data).
      if (now >= cached.refreshAt && !cached.refreshing) {
        cached.refreshing = true;
        const fresh = this.entry(version, now, compute(version));
        fresh.body.then(
          () => {
            if (this.entries.get(key) === cached) this.entries.set(key, fresh);
          },
          () => (cached.refreshing = false),
        );
      }
      return { body: await cached.body, hit: true };
    }
    this.stats.misses++;
    const entry = this.entry(version, now, compute(version));
    this.store(key, entry);
    return { body: await entry.body, hit: false };
  }

  private entry(version: string, storedAt: number, body: Promise<V>): Entry<V> {
    return { version, storedAt, refreshAt: storedAt + this.maxAgeMs * (0.5 + 0.4 * this.random()), body };
  }

  private store(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    entry.body.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
  }

  clear(): void {
    this.entries.clear();
    this.version = null;
  }

  /**
   * Forgets the version read last, so the next request reads it again: called when PostgreSQL
   * announces new data (lib/server/shared-state.ts). Entries stay; those whose version still matches
   * keep being served.
   */
  invalidateVersion(): void {
    this.version = null;
  }

  /** While notifications arrive, the version poll is only a fallback and can be slow (see shared-state.ts). */
  setVersionCheckMs(ms: number): void {
    this.versionCheckMs = ms;
  }
}
