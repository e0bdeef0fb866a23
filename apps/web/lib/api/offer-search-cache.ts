import { searchDataVersion, searchValidatedOffersAsJson, type OfferSearchQuery } from "@gridlease/db/search";
import { VersionedResponseCache } from "./response-cache";

function envMs(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * GET /api/offers answers as encoded JSON, keyed by the validated query (so `?sort=price&gpu=T4` and
 * `?gpu=T4&sort=price` share an entry) and the indexer/heartbeat data version. SEARCH_RESPONSE_CACHE_MS=0
 * turns reuse off (every request computes). One cache per process, on globalThis: Next and the server's
 * API lane (http/api-lane.ts) each load this module.
 */
const shared = globalThis as typeof globalThis & { __gridleaseOfferSearchCache?: VersionedResponseCache };
export const offerSearchCache = (shared.__gridleaseOfferSearchCache ??= new VersionedResponseCache({
  readVersion: () => searchDataVersion(),
  versionCheckMs: envMs("SEARCH_VERSION_CHECK_MS", 200),
  maxAgeMs: envMs("SEARCH_RESPONSE_CACHE_MS", 10_000),
}));

/**
 * The search answer for a validated query as UTF-8 JSON, computed at most once per data version
 * (kept encoded: a hit writes the bytes as they are, no re-serializing or re-encoding). The JSON is
 * written by the search itself (searchValidatedOffersAsJson: snapshot hits straight from its columns; the
 * query was validated by the route, so it is not parsed again).
 */
export function searchOffersJson(query: OfferSearchQuery, cacheKey = offerSearchKey(query)): Promise<{ body: Uint8Array; hit: boolean }> {
  return offerSearchCache.get(cacheKey, (version) => searchValidatedOffersAsJson(query, undefined, version));
}

/** The cache key of a validated query: equal for equal queries however their parameters were spelled or ordered. */
export function offerSearchKey(query: OfferSearchQuery): string {
  return JSON.stringify(query);
}
