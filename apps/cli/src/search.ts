import type { GridleaseApi, OfferSearchAnswer } from "@gridlease/client";
import { apiFilters, matches, parseQuery, parseSort, sortHits, type SortKey } from "./query";

export type OfferHit = OfferSearchAnswer["offers"][number];

export interface SearchOptions {
  query: string;
  sort?: string;
  limit?: number;
  /** Include offers of providers that are offline (not bookable until they come back). */
  includeOffline?: boolean;
  chainId?: number;
  /** Most offers read from the API before filtering (pages of 100). */
  scanLimit?: number;
}

export interface SearchResult {
  offers: OfferHit[];
  /** Offers that matched every condition (before --limit). */
  matched: number;
  /** Offers read from the API. */
  scanned: number;
  /** True when the scan stopped at scanLimit with more offers left. */
  truncated: boolean;
}

/**
 * Runs a query: the conditions the API can apply narrow the fetch (query.ts apiFilters), every page
 * is read (up to scanLimit), then all conditions and the sort are applied here, so any field and any
 * operator work, whatever the API supports.
 */
export async function searchOffers(api: GridleaseApi, options: SearchOptions): Promise<SearchResult> {
  const conditions = parseQuery(options.query);
  const sort: SortKey[] = parseSort(options.sort ?? "price");
  const scanLimit = options.scanLimit ?? 5_000;
  const base = {
    ...apiFilters(conditions),
    ...(options.includeOffline ? { online: "any" as const } : {}),
    ...(options.chainId ? { chainId: options.chainId } : {}),
  };
  const hits: OfferHit[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await api.searchOffers({ ...base, sort: "price", limit: 100, ...(cursor ? { cursor } : {}) });
    hits.push(...page.offers);
    if (!page.nextCursor) break;
    if (hits.length >= scanLimit) {
      truncated = true;
      break;
    }
    cursor = page.nextCursor;
  }
  const matching = sortHits(
    hits.filter((hit) => matches(hit as unknown as Record<string, unknown>, conditions)) as unknown as Record<string, unknown>[],
    sort,
  ) as unknown as OfferHit[];
  return { offers: matching.slice(0, options.limit ?? matching.length), matched: matching.length, scanned: hits.length, truncated };
}
