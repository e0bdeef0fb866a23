import { GPU_MODELS, gpuModelById } from "@gridlease/sdk/gpus";
import type pg from "pg";
import { getPool } from "./client";
import { FILTER_KEYS, offerSearchQuerySchema, usdcToBaseUnits, type FilterKey, type OfferSearchQuery, type OfferSearchQueryInput, type SearchSort } from "./search-query";

export * from "./search-query";

export function defaultChainId(): number {
  return Number(process.env.CHAIN_ID ?? 31337);
}

/** One offer as search returns it; amounts are decimal strings in token base units (USDC: 6 decimals). */
export interface OfferSearchHit {
  offerId: string;
  provider: string;
  gpuModel: string;
  gpuLabel: string | null;
  gpuCount: number;
  freeUnits: number;
  vramGb: number;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
  bandwidthMbps: number;
  region: string;
  pricePerGpuHour: string;
  pricePerTflop: number | null;
  minHours: number;
  maxHours: number;
  status: string;
  listedBlock: string;
  providerReliability: number;
  providerUptime7d: number | null;
  providerLastHeartbeatAt: string | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface WhyNothing {
  /** The filter that, removed alone, brings back the most offers (null when even no filters match nothing). */
  mostExcludingFilter: FilterKey | null;
  /** Offers each active filter would add back if it alone were removed. */
  wouldAddBack: { filter: FilterKey; offers: number }[];
  /** Offers matching no filters at all (what the market has). */
  totalOffers: number;
}

export interface OfferSearchResult {
  offers: OfferSearchHit[];
  /** Offers matching every filter (all pages). */
  total: number;
  nextCursor: string | null;
  facets: { gpuModel: FacetCount[]; region: FacetCount[] };
  whyNothing: WhyNothing | null;
}

interface SqlFilter {
  key: FilterKey;
  sql: (param: (value: unknown) => string) => string;
}

const OFFER_COLUMNS = `o.offer_id::text as "offerId", o.provider, o.gpu_model as "gpuModel", o.gpu_count as "gpuCount",
  o.free_units as "freeUnits", o.vram_gb as "vramGb", o.cpu_cores as "cpuCores", o.ram_gb::float8 as "ramGb",
  o.disk_gb::float8 as "diskGb", o.bandwidth_mbps::float8 as "bandwidthMbps", o.region,
  o.price_per_gpu_hour::text as "pricePerGpuHour", o.price_per_tflop as "pricePerTflop", o.min_hours::float8 as "minHours",
  o.max_hours::float8 as "maxHours", o.status, o.listed_block::text as "listedBlock", p.reliability as "providerReliability",
  u.uptime_7d as "providerUptime7d", u.last_heartbeat_at as "providerLastHeartbeatAt"`;

function activeFilters(query: OfferSearchQuery): SqlFilter[] {
  const filters: SqlFilter[] = [];
  if (query.gpu?.length) filters.push({ key: "gpu", sql: (p) => `o.gpu_model = any(${p(query.gpu)}::text[])` });
  if (query.region?.length) filters.push({ key: "region", sql: (p) => `o.region = any(${p(query.region)}::text[])` });
  const minimums: [FilterKey, number | undefined, string][] = [
    ["minGpus", query.minGpus, "o.gpu_count"],
    ["minVramGb", query.minVramGb, "o.vram_gb"],
    ["minCpuCores", query.minCpuCores, "o.cpu_cores"],
    ["minRamGb", query.minRamGb, "o.ram_gb"],
    ["minDiskGb", query.minDiskGb, "o.disk_gb"],
    ["minBandwidthMbps", query.minBandwidthMbps, "o.bandwidth_mbps"],
  ];
  for (const [key, value, column] of minimums) {
    if (value !== undefined && value > 0) filters.push({ key, sql: (p) => `${column} >= ${p(value)}` });
  }
  if (query.maxPricePerGpuHour !== undefined) filters.push({ key: "maxPricePerGpuHour", sql: (p) => `o.price_per_gpu_hour <= ${p(usdcToBaseUnits(query.maxPricePerGpuHour!))}::numeric` });
  if (query.minReliability !== undefined && query.minReliability > 0) filters.push({ key: "minReliability", sql: (p) => `p.reliability >= ${p(query.minReliability)}` });
  if (query.availableNow) {
    // Bookable now: free units for the requested GPU count and a provider that is still active.
    filters.push({ key: "availableNow", sql: (p) => `o.free_units >= ${p(Math.max(1, query.minGpus ?? 1))} and p.status = 'Active'` });
  }
  return filters;
}

/** Builds `where` over offers joined to providers; `except` drops one filter (facets, why-nothing). */
function whereClause(chainId: number, filters: SqlFilter[], except: FilterKey | null, params: unknown[]): string {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts = [`o.chain_id = ${param(chainId)}`, `o.status = 'Active'`];
  for (const filter of filters) if (filter.key !== except) parts.push(filter.sql(param));
  return parts.join(" and ");
}

const FROM = `offer o join provider p on p.chain_id = o.chain_id and p.address = o.provider
  left join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider`;

/** Counting needs the provider join only when a filter reads provider columns. */
function countFrom(filters: SqlFilter[], except: FilterKey | null): string {
  const needsProvider = filters.some((f) => f.key !== except && (f.key === "minReliability" || f.key === "availableNow"));
  return needsProvider ? `offer o join provider p on p.chain_id = o.chain_id and p.address = o.provider` : `offer o`;
}

interface SortSpec {
  /** SQL of the sort key and how it is compared to a cursor value. */
  column: string;
  direction: "asc" | "desc";
  cast: string;
}

const SORTS: Record<SearchSort, SortSpec> = {
  price: { column: "o.price_per_gpu_hour", direction: "asc", cast: "numeric" },
  price_per_tflop: { column: "o.price_per_tflop", direction: "asc", cast: "float8" },
  vram: { column: "o.vram_gb", direction: "desc", cast: "int" },
  reliability: { column: "p.reliability", direction: "desc", cast: "float8" },
  newest: { column: "o.offer_id", direction: "desc", cast: "numeric" },
};

interface CursorState {
  sort: SearchSort;
  value: string;
  offerId: string;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.sort, state.value, state.offerId])).toString("base64url");
}

export class InvalidCursorError extends Error {
  readonly field = "cursor";
  constructor(message: string) {
    super(message);
    this.name = "InvalidCursorError";
  }
}

function decodeCursor(cursor: string, sort: SearchSort): CursorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("cursor: is not a cursor returned by this API");
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((part) => typeof part === "string")) {
    throw new InvalidCursorError("cursor: is not a cursor returned by this API");
  }
  const [cursorSort, value, offerId] = parsed as [string, string, string];
  if (cursorSort !== sort) throw new InvalidCursorError(`cursor: was made for sort "${cursorSort}", not "${sort}"`);
  if (!/^-?(\d+(\.\d+)?([eE][-+]?\d+)?|Infinity)$/.test(value) || !/^\d{1,78}$/.test(offerId)) {
    throw new InvalidCursorError("cursor: is not a cursor returned by this API");
  }
  return { sort, value, offerId };
}

/** Short-lived cache for facet counts: they scan every matching offer, and a second of staleness is invisible. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number }>();
  constructor(private readonly ttlMs: number, private readonly maxEntries = 500) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const value = load();
    this.entries.set(key, { value, expires: now + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }
  clear(): void {
    this.entries.clear();
  }
}

// Facet counts scan every matching offer; up to 5 s of staleness in "how many H100s" is invisible,
// while the offers list itself is always read live.
const facetCache = new TtlCache<{ gpuModel: FacetCount[]; region: FacetCount[] }>(Number(process.env.SEARCH_FACET_TTL_MS ?? 5000));

/** "Why nothing matched" runs one count per filter; it is as cacheable as the facets. */
const whyNothingCache = new TtlCache<WhyNothing>(Number(process.env.SEARCH_FACET_TTL_MS ?? 5000));

export function clearSearchCaches(): void {
  facetCache.clear();
  whyNothingCache.clear();
  summaryCache.clear();
}

async function facetCounts(db: pg.Pool, chainId: number, filters: SqlFilter[], column: "gpu_model" | "region", except: FilterKey): Promise<FacetCount[]> {
  const params: unknown[] = [];
  const where = whereClause(chainId, filters, except, params);
  const result = await db.query<{ value: string; count: number }>(
    `select o.${column} as value, count(*)::int as count from ${countFrom(filters, except)} where ${where} group by 1 order by 2 desc, 1`,
    params,
  );
  return result.rows;
}

async function countMatching(db: pg.Pool, chainId: number, filters: SqlFilter[], except: FilterKey | null): Promise<number> {
  const params: unknown[] = [];
  const where = whereClause(chainId, filters, except, params);
  const result = await db.query<{ count: number }>(`select count(*)::int as count from ${countFrom(filters, except)} where ${where}`, params);
  return result.rows[0]!.count;
}

async function explainEmpty(db: pg.Pool, chainId: number, filters: SqlFilter[]): Promise<WhyNothing> {
  const [totalOffers, ...counts] = await Promise.all([
    countMatching(db, chainId, [], null),
    ...filters.map((filter) => countMatching(db, chainId, filters, filter.key)),
  ]);
  const wouldAddBack = filters.map((filter, i) => ({ filter: filter.key, offers: counts[i]! })).sort((a, b) => b.offers - a.offers);
  const best = wouldAddBack[0];
  return { mostExcludingFilter: best && best.offers > 0 ? best.filter : null, wouldAddBack, totalOffers: totalOffers! };
}

function normalizeHit(row: OfferSearchHit): OfferSearchHit {
  return {
    ...row,
    gpuLabel: gpuModelById(row.gpuModel)?.label ?? null,
    pricePerTflop: Number.isFinite(row.pricePerTflop) ? row.pricePerTflop : null,
    providerLastHeartbeatAt: row.providerLastHeartbeatAt ? new Date(row.providerLastHeartbeatAt).toISOString() : null,
  };
}

/** Searches active offers. Accepts raw input (validated with offerSearchQuerySchema) or a parsed query. */
export async function searchOffers(input: OfferSearchQueryInput | OfferSearchQuery, db: pg.Pool = getPool()): Promise<OfferSearchResult> {
  const query = offerSearchQuerySchema.parse(input);
  const chainId = query.chainId ?? defaultChainId();
  const filters = activeFilters(query);
  const sort = SORTS[query.sort];
  const params: unknown[] = [];
  let where = whereClause(chainId, filters, null, params);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, query.sort);
    params.push(cursor.value, cursor.offerId);
    const op = sort.direction === "asc" ? ">" : "<";
    where += ` and (${sort.column}, o.offer_id) ${op} ($${params.length - 1}::${sort.cast}, $${params.length}::numeric)`;
  }
  params.push(query.limit + 1);
  const limit = `$${params.length}`;
  const order = `order by ${sort.column} ${sort.direction}, o.offer_id ${sort.direction}`;
  const select = `select ${OFFER_COLUMNS}, ${sort.column}::text as "sortValue" from ${FROM}`;
  let pageSql = `${select} where ${where} ${order} limit ${limit}`;
  if (query.gpu?.length) {
    // One ordered index scan per model, merged: "gpu_model = any(…) order by price" cannot use the
    // (status, gpu_model, price) index order and would walk the whole price index instead.
    const branches = query.gpu.map((model) => {
      params.push(model);
      return `(${select} where ${where} and o.gpu_model = $${params.length} ${order} limit ${limit})`;
    });
    pageSql = `select * from (${branches.join(" union all ")}) page
      order by "sortValue"::${sort.cast} ${sort.direction}, "offerId"::numeric ${sort.direction} limit ${limit}`;
  }

  const facetKey = JSON.stringify([chainId, query.gpu, query.region, query.minGpus, query.minVramGb, query.minCpuCores, query.minRamGb,
    query.minDiskGb, query.minBandwidthMbps, query.maxPricePerGpuHour, query.minReliability, query.availableNow]);
  const [page, facets] = await Promise.all([
    db.query<OfferSearchHit & { sortValue: string }>(pageSql, params),
    facetCache.get(facetKey, async () => {
      const [gpuModel, region] = await Promise.all([
        facetCounts(db, chainId, filters, "gpu_model", "gpu"),
        facetCounts(db, chainId, filters, "region", "region"),
      ]);
      return { gpuModel, region };
    }),
  ]);
  const rows = page.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const nextCursor = page.rows.length > query.limit && last ? encodeCursor({ sort: query.sort, value: last.sortValue, offerId: last.offerId }) : null;
  // The GPU facet ignores only the GPU filter, so summing the selected models gives the exact total.
  const selected = query.gpu?.length ? new Set(query.gpu) : null;
  const total = facets.gpuModel.filter((f) => !selected || selected.has(f.value)).reduce((sum, f) => sum + f.count, 0);
  const whyNothing = total === 0 && filters.length > 0 && !query.cursor
    ? await whyNothingCache.get(facetKey, () => explainEmpty(db, chainId, filters))
    : null;
  return {
    offers: rows.map(({ sortValue: _sortValue, ...hit }) => normalizeHit(hit)),
    total,
    nextCursor,
    facets,
    whyNothing,
  };
}

/**
 * A token that changes whenever what search returns can change, on any chain: the indexer cursors
 * (every chain-derived row moves with them) and the heartbeat-derived uptime rows (the only rows the
 * web API writes that search reads). One cheap query; callers poll it rather than run it per request.
 */
export async function searchDataVersion(db: pg.Pool = getPool()): Promise<string> {
  const result = await db.query<{ version: string }>(
    `select coalesce((select string_agg(chain_id || ':' || block_number || ':' || block_hash, ',' order by chain_id) from indexer_cursor), '-')
       || '/' || (select count(*) || ':' || coalesce(max(updated_at)::text, '-') from provider_uptime) as version`,
  );
  return result.rows[0]!.version;
}

export interface ModelMarketSummary {
  gpuModel: string;
  gpuLabel: string | null;
  offers: number;
  totalGpus: number;
  freeGpus: number;
  medianPricePerGpuHour: string | null;
  minPricePerGpuHour: string | null;
}

const summaryCache = new TtlCache<ModelMarketSummary[]>(Number(process.env.SEARCH_SUMMARY_TTL_MS ?? 2000), 20);

/** Supply and median price per GPU model over active offers. */
export function marketSummary(chainId = defaultChainId(), db: pg.Pool = getPool()): Promise<ModelMarketSummary[]> {
  return summaryCache.get(String(chainId), async () => {
    const result = await db.query<Omit<ModelMarketSummary, "gpuLabel">>(
      `select gpu_model as "gpuModel", count(*)::int as offers, sum(gpu_count)::int as "totalGpus", sum(free_units)::int as "freeGpus",
         round(percentile_cont(0.5) within group (order by price_per_gpu_hour::float8))::numeric::text as "medianPricePerGpuHour",
         min(price_per_gpu_hour)::text as "minPricePerGpuHour"
       from offer where chain_id = $1 and status = 'Active' group by gpu_model order by 3 desc, 1`,
      [chainId],
    );
    return result.rows.map((row) => ({ ...row, gpuLabel: gpuModelById(row.gpuModel)?.label ?? null }));
  });
}

export { FILTER_KEYS, GPU_MODELS };
