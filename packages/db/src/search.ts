import { GPU_MODELS, gpuModelById } from "@gridlease/sdk/gpus";
import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import type { OfferListing } from "@gridlease/sdk/offers";
import type pg from "pg";
import { getPool } from "./client";
import { searchCounts } from "./offer-counts";
import type { FacetCount, SnapshotFilter } from "./offer-facets";
import type { ListSnapshot } from "./offer-list";
import { pushHitJson } from "./offer-json";
import { snapshotMarketSummary } from "./offer-summary";
import { hitAt, ListSnapshots, snapshotPageRows, sortValueAt, verifiedSinceNow } from "./offer-page";
import {
  FILTER_KEYS,
  offerSearchQuerySchema,
  usdcToBaseUnits,
  type FilterKey,
  type OfferSearchQuery,
  type OfferSearchQueryInput,
  type SearchSort,
} from "./search-query";
import { DbError } from "./errors";
import { dbEnv, envValue } from "./env";
import { GPU_CHECK_VALID_SECONDS, GPU_CHECK_VERSION_SQL, trustedGpuCheckers, verifiedAtSql } from "./gpu-checks";

export * from "./search-query";
export type { FacetCount } from "./offer-facets";

export function defaultChainId(): number {
  return Number(envValue("CHAIN_ID") ?? 31337);
}

/** One offer as search returns it; amounts are decimal strings in token base units (USDC: 6 decimals). */
export interface OfferSearchHit extends OfferListing {
  provider: string;
  gpuLabel: string | null;
  pricePerTflop: number | null;
  listedBlock: string;
  providerReliability: number;
  providerUptime7d: number | null;
  /** The provider's last valid heartbeat (last seen). */
  providerLastHeartbeatAt: string | null;
  /** Last seen within ONLINE_WINDOW_SECONDS when the answer was computed. */
  providerOnline: boolean;
  /** SLA history: the provider's outage reports that settled (leases closed as ProviderOffline). */
  providerOutagesSettled: number;
  /**
   * Proof of GPU: when the trusted check that verifies this offer's model and count ran (ISO, wall
   * clock); null when the offer is not verified (packages/db/src/gpu-checks.ts).
   */
  verifiedAt: string | null;
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

/** A search filter's bounds (offer-facets.ts); its SQL for the offer list is filterSql's. */
type SqlFilter = SnapshotFilter;

/** The column each minimum filter bounds. */
const MINIMUM_COLUMNS = {
  minGpus: "o.gpu_count",
  minVramGb: "o.vram_gb",
  minCpuCores: "o.cpu_cores",
  minRamGb: "o.ram_gb",
  minDiskGb: "o.disk_gb",
  minBandwidthMbps: "o.bandwidth_mbps",
  minReliability: "p.reliability",
} as const;

/**
 * "Online" in SQL (the provider_uptime row is `u`): ONLINE_WINDOW_SECONDS as in isOnline
 * (packages/sdk/src/heartbeat.ts). Evaluated at read time, so a provider goes offline with no write;
 * searchDataVersion counts online providers with the same test so cached answers follow.
 */
export const ONLINE_SQL = `u.last_heartbeat_at >= now() - interval '${ONLINE_WINDOW_SECONDS} seconds'`;

const OFFER_COLUMNS = `o.offer_id::text as "offerId", o.provider, o.gpu_model as "gpuModel", o.gpu_count as "gpuCount",
  o.free_units as "freeUnits", o.vram_gb as "vramGb", o.cpu_cores as "cpuCores", o.ram_gb::float8 as "ramGb",
  o.disk_gb::float8 as "diskGb", o.bandwidth_mbps::float8 as "bandwidthMbps", o.region,
  o.price_per_gpu_hour::text as "pricePerGpuHour", o.price_per_tflop as "pricePerTflop", o.min_hours::float8 as "minHours",
  o.max_hours::float8 as "maxHours", o.status, o.listed_block::text as "listedBlock", p.reliability as "providerReliability",
  u.uptime_7d as "providerUptime7d", u.last_heartbeat_at as "providerLastHeartbeatAt",
  coalesce(${ONLINE_SQL}, false) as "providerOnline", p.outages_settled as "providerOutagesSettled"`;

/**
 * The query's filters as plain data (built per search, so no closures: the SQL is written by filterSql
 * only when the list comes from PostgreSQL).
 */
function activeFilters(query: OfferSearchQuery): SqlFilter[] {
  const filters: SqlFilter[] = [];
  const { gpu, region } = query;
  if (gpu?.length) filters.push({ key: "gpu", values: gpu });
  if (region?.length) filters.push({ key: "region", values: region });
  for (const key in MINIMUM_COLUMNS) {
    const minimum = query[key as keyof typeof MINIMUM_COLUMNS];
    if (minimum !== undefined && minimum > 0) filters.push({ key: key as keyof typeof MINIMUM_COLUMNS, minimum });
  }
  if (query.maxPricePerGpuHour !== undefined) filters.push({ key: "maxPricePerGpuHour", budget: BigInt(usdcToBaseUnits(query.maxPricePerGpuHour)) });
  // Bookable now: free units for the requested GPU count and a provider that is active and online.
  if (query.availableNow) filters.push({ key: "availableNow", units: Math.max(1, query.minGpus ?? 1) });
  if (query.online === "only") filters.push({ key: "online" });
  if (query.maxSettledOutages !== undefined) filters.push({ key: "maxSettledOutages", maximum: query.maxSettledOutages });
  if (query.verified) filters.push({ key: "verified", since: Date.now() - GPU_CHECK_VALID_SECONDS * 1000 });
  return filters;
}

/** One filter as SQL over offers `o` joined to providers `p` and uptime `u`; `p` makes a placeholder for a value. */
function filterSql(filter: SqlFilter, p: (value: unknown) => string, chainId: number): string {
  switch (filter.key) {
    case "gpu":
      return `o.gpu_model = any(${p(filter.values)}::text[])`;
    case "region":
      return `o.region = any(${p(filter.values)}::text[])`;
    case "maxPricePerGpuHour":
      return `o.price_per_gpu_hour <= ${p(filter.budget.toString())}::numeric`;
    case "availableNow":
      return `o.free_units >= ${p(filter.units)} and p.status = 'Active' and ${ONLINE_SQL}`;
    case "online":
      return ONLINE_SQL;
    case "maxSettledOutages":
      return `p.outages_settled <= ${p(filter.maximum)}`;
    case "verified":
      return `${verifiedAtSql(p(trustedGpuCheckers(chainId)))} is not null`;
    default:
      return `${MINIMUM_COLUMNS[filter.key]} >= ${p(filter.minimum)}`;
  }
}

/** Builds `where` over offers joined to providers. */
function whereClause(chainId: number, filters: SqlFilter[], params: unknown[]): string {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts = [`o.chain_id = ${param(chainId)}`, `o.status = 'Active'`];
  for (const filter of filters) parts.push(filterSql(filter, param, chainId));
  return parts.join(" and ");
}

const FROM = `offer o join provider p on p.chain_id = o.chain_id and p.address = o.provider
  left join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider`;

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
  // Fewest settled outages first; ties (most providers have none) by offer id, as every sort.
  sla: { column: "p.outages_settled", direction: "asc", cast: "int" },
};

interface CursorState {
  sort: SearchSort;
  value: string;
  offerId: string;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.sort, state.value, state.offerId])).toString("base64url");
}

export class InvalidCursorError extends DbError {
  readonly code = "invalid_cursor";
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
  // An int sort key (vram, sla) beyond int4 would fail PostgreSQL's cast (a 500), not match nothing.
  if (SORTS[sort].cast === "int" && (!/^-?\d{1,10}$/.test(value) || Math.abs(Number(value)) > 2 ** 31 - 1)) {
    throw new InvalidCursorError("cursor: is not a cursor returned by this API");
  }
  return { sort, value, offerId };
}

/**
 * Short-lived cache for market summaries: they scan every active offer, and a second of staleness is
 * invisible. An expired entry is recomputed once while the last value keeps being served (at 1M
 * offers the scan takes seconds; nobody waits for it but the very first caller).
 */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number; settled?: Promise<V> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 500,
  ) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (!hit && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const value = load();
    const stale = hit?.settled;
    this.entries.set(key, stale ? { value: stale, expires: Infinity, settled: stale } : { value, expires: now + this.ttlMs });
    value.then(
      (result) => this.entries.set(key, { value, expires: Date.now() + this.ttlMs, settled: Promise.resolve(result) }),
      () => this.entries.delete(key),
    );
    return stale ?? value;
  }
  clear(): void {
    this.entries.clear();
  }
}

// One column snapshot per chain for counts (offer-facets.ts) and the list (offer-page.ts), reloaded when the data version changes.
export const offerSnapshots = new ListSnapshots();

/** SEARCH_LIST_SOURCE=sql reads the offer list from PostgreSQL (the reference path) instead of the snapshot. */
let listSource: { raw: string | undefined; sql: boolean } | undefined;

/** Where search's offer list comes from now (SEARCH_LIST_SOURCE): the snapshot, or PostgreSQL only. */
export function searchListSource(): "memory" | "sql" {
  return listFromSql() ? "sql" : "memory";
}

function listFromSql(): boolean {
  // Asked per search: the whole environment is validated again only when this variable changed. Read
  // from process.env each time (not envValue): the reference tests switch it between two searches.
  const raw = process.env.SEARCH_LIST_SOURCE;
  if (listSource === undefined || listSource.raw !== raw) listSource = { raw, sql: dbEnv().SEARCH_LIST_SOURCE === "sql" };
  return listSource.sql;
}

/** Drops the market summaries (new data was announced); the offer snapshots follow the data version by themselves. */
export function clearMarketSummaryCache(): void {
  summaryCache.clear();
}

export function clearSearchCaches(): void {
  offerSnapshots.clear();
  summaryCache.clear();
}

function normalizeHit(row: Omit<OfferSearchHit, "gpuLabel" | "verifiedAt"> & { verifiedAt: number | null }): OfferSearchHit {
  return {
    ...row,
    // ms, truncated as the snapshot's column is (offer-verified.ts), so both paths show the same time.
    verifiedAt: row.verifiedAt === null ? null : new Date(row.verifiedAt).toISOString(),
    gpuLabel: gpuModelById(row.gpuModel)?.label ?? null,
    pricePerTflop: Number.isFinite(row.pricePerTflop) ? row.pricePerTflop : null,
    providerLastHeartbeatAt: row.providerLastHeartbeatAt ? new Date(row.providerLastHeartbeatAt).toISOString() : null,
  };
}

/** The page from PostgreSQL: the reference the snapshot path must equal, and its fallback. */
function sqlPage(db: pg.Pool, chainId: number, query: OfferSearchQuery, filters: SqlFilter[], cursor: CursorState | null) {
  const sort = SORTS[query.sort];
  const params: unknown[] = [];
  let where = whereClause(chainId, filters, params);
  if (cursor) {
    params.push(cursor.value, cursor.offerId);
    const op = sort.direction === "asc" ? ">" : "<";
    where += ` and (${sort.column}, o.offer_id) ${op} ($${params.length - 1}::${sort.cast}, $${params.length}::numeric)`;
  }
  params.push(query.limit + 1);
  const limit = `$${params.length}`;
  const order = `order by ${sort.column} ${sort.direction}, o.offer_id ${sort.direction}`;
  params.push(trustedGpuCheckers(chainId));
  const verifiedAt = `floor(extract(epoch from ${verifiedAtSql(`$${params.length}`)}) * 1000)::float8 as "verifiedAt"`;
  const select = `select ${OFFER_COLUMNS}, ${verifiedAt}, ${sort.column}::text as "sortValue" from ${FROM}`;
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
  return db.query<Omit<OfferSearchHit, "gpuLabel" | "verifiedAt"> & { verifiedAt: number | null; sortValue: string }>(pageSql, params);
}

/** A search's answer before its hits are built: snapshot rows (built as objects or written as JSON) or SQL hits. */
interface SearchOutcome {
  rest: Omit<OfferSearchResult, "offers">;
  hits: { snapshot: ListSnapshot; rows: number[]; verifiedSince: number } | { sql: OfferSearchHit[] };
}

/**
 * Searches active offers. Accepts raw input (validated with offerSearchQuerySchema) or a parsed query.
 * The list and the counts (total, facets, why nothing) come from the column snapshot for `dataVersion`
 * (a searchDataVersion() value the caller already holds; read here when omitted); the list from
 * PostgreSQL when the snapshot cannot answer it exactly (offer-page.ts) or SEARCH_LIST_SOURCE=sql.
 */
export async function searchOffers(input: OfferSearchQueryInput | OfferSearchQuery, db: pg.Pool = getPool(), dataVersion?: string): Promise<OfferSearchResult> {
  const query = offerSearchQuerySchema.parse(input);
  const { rest, hits } = await search(query, db, dataVersion);
  if ("sql" in hits) return { offers: hits.sql, ...rest };
  const offers = hits.rows.map((i) => {
    const { sortValue: _sortValue, ...hit } = hitAt(hits.snapshot, query.sort, i, hits.verifiedSince);
    return hit;
  });
  return { offers, ...rest };
}

/**
 * searchOffers' answer as JSON text, equal to `JSON.stringify(await searchOffers(…))`. Snapshot hits are
 * written straight from the columns (offer-json.ts), never built as objects.
 */
export async function searchOffersAsJson(input: OfferSearchQueryInput | OfferSearchQuery, db: pg.Pool = getPool(), dataVersion?: string): Promise<string> {
  return (await searchValidatedOffersAsJson(offerSearchQuerySchema.parse(input), db, dataVersion)).toString("utf8");
}

const OFFERS_OPEN = Buffer.from('{"offers":[');
const COMMA = Buffer.from(",");

/**
 * searchOffersAsJson as UTF-8 bytes, for a query offerSearchQuerySchema (or a stricter schema) has
 * already parsed: what the API serves. It validates once to name a bad field and must not pay for
 * parsing twice per search; the hits' kept bytes are copied into the answer once.
 */
export async function searchValidatedOffersAsJson(query: OfferSearchQuery, db: pg.Pool = getPool(), dataVersion?: string): Promise<Buffer> {
  const { rest, hits } = await search(query, db, dataVersion);
  const parts: Buffer[] = [OFFERS_OPEN];
  if ("sql" in hits) parts.push(Buffer.from(hits.sql.map((hit) => JSON.stringify(hit)).join(",")));
  else
    hits.rows.forEach((i, n) => {
      if (n > 0) parts.push(COMMA);
      pushHitJson(parts, hits.snapshot, i, hits.verifiedSince);
    });
  // `rest` as JSON is `{"total":…}`: the offers go in front of its first key, where searchOffers puts them.
  parts.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`));
  return Buffer.concat(parts);
}

async function search(query: OfferSearchQuery, db: pg.Pool, dataVersion: string | undefined): Promise<SearchOutcome> {
  const chainId = query.chainId ?? defaultChainId();
  const filters = activeFilters(query);
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : null;
  const snapshot = await offerSnapshots.get(db, chainId, dataVersion !== undefined ? dataVersion : await searchDataVersion(db));
  // Other sorts and later pages of the same filters share the counts; other budgets, the budget-less ones
  // (offer-counts.ts). The verified filter compares with now − the validity window: its counts are reused
  // within the minute (a check expiring shows in the counts at most a minute late, in the list at once).
  const verifiedBucket = query.verified ? Math.floor(Date.now() / 60_000) : undefined;
  const countKey = (budget: string | undefined) =>
    JSON.stringify([
      query.gpu,
      query.region,
      query.minGpus,
      query.minVramGb,
      query.minCpuCores,
      query.minRamGb,
      query.minDiskGb,
      query.minBandwidthMbps,
      budget,
      query.minReliability,
      query.availableNow,
      query.online,
      query.maxSettledOutages,
      verifiedBucket,
    ]);
  const counts = searchCounts(snapshot, countKey(query.maxPricePerGpuHour), countKey(undefined), filters);
  // Nothing matches: no page to walk for (a walk would visit every offer to find none).
  const rows = listFromSql() ? null : counts.total === 0 ? [] : snapshotPageRows(snapshot, query.sort, filters, cursor, query.limit + 1);
  let hits: SearchOutcome["hits"];
  let nextCursor: string | null = null;
  if (rows) {
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    if (last !== undefined)
      nextCursor = encodeCursor({ sort: query.sort, value: sortValueAt(snapshot, query.sort, last), offerId: String(snapshot.offerId[last]) });
    hits = { snapshot, rows: rows.slice(0, query.limit), verifiedSince: verifiedSinceNow() };
  } else {
    const page = (await sqlPage(db, chainId, query, filters, cursor)).rows;
    const last = page.length > query.limit ? page[query.limit - 1] : undefined;
    if (last) nextCursor = encodeCursor({ sort: query.sort, value: last.sortValue, offerId: last.offerId });
    hits = { sql: page.slice(0, query.limit).map(({ sortValue: _sortValue, ...row }) => normalizeHit(row)) };
  }
  const { total } = counts;
  let whyNothing: WhyNothing | null = null;
  if (total === 0 && filters.length > 0 && !query.cursor) {
    const wouldAddBack = filters.map((filter) => ({ filter: filter.key, offers: counts.withoutFilter.get(filter.key)! })).sort((a, b) => b.offers - a.offers);
    const best = wouldAddBack[0];
    whyNothing = { mostExcludingFilter: best && best.offers > 0 ? best.filter : null, wouldAddBack, totalOffers: counts.activeOffers };
  }
  return { rest: { total, nextCursor, facets: { gpuModel: counts.gpuModel, region: counts.region }, whyNothing }, hits };
}

/**
 * Brings the search snapshot to `dataVersion` now, before a search asks for it: the web process calls it
 * when PostgreSQL announces new data, so the searches right after a block wait for the rest of the
 * snapshot's update, if any, instead of each block's first search paying all of it (the search p95 of
 * `pnpm bench:market`, a block a second with searchers running).
 */
export async function prepareSearchSnapshot(dataVersion: string, chainId = defaultChainId(), db: pg.Pool = getPool()): Promise<void> {
  await offerSnapshots.get(db, chainId, dataVersion);
}

/**
 * A token that changes whenever what search returns can change, on any chain: each indexer cursor's
 * data version (bumped in the same transaction as every batch that changed rows and every rollback,
 * but not by empty blocks), the heartbeat-derived uptime rows (the only rows the web API writes
 * that search reads; a beat that brings a provider back online bumps updated_at) and the number of
 * providers online now, which drops when one goes silent with no write at all; after "|", the latest
 * Proof of GPU check (gpu-checks.ts: the checker writes gpu_check, which search's verified filter and
 * badge read). One cheap query (the online count reads the last_heartbeat_at index, the check time
 * gpu_check_seq_idx); callers poll it rather than run it per request.
 */
export async function searchDataVersion(db: pg.Pool = getPool()): Promise<string> {
  const result = await db.query<{ version: string }>(
    `select coalesce((select string_agg(chain_id || ':' || deploy_block_hash || ':' || data_version, ',' order by chain_id) from indexer_cursor), '-')
       || '/' || (select count(*) || ':' || coalesce(max(updated_at)::text, '-') from provider_uptime)
       || '/' || (select count(*) from provider_uptime u where ${ONLINE_SQL})
       || '|' || ${GPU_CHECK_VERSION_SQL} as version`,
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

const summaryCache = new TtlCache<ModelMarketSummary[]>(dbEnv().SEARCH_SUMMARY_TTL_MS, 20);

/**
 * Supply and median price per GPU model over active offers: from the search snapshot at the current
 * data version (offer-summary.ts), or from PostgreSQL when the snapshot cannot spell it exactly.
 */
export function marketSummary(chainId = defaultChainId(), db: pg.Pool = getPool()): Promise<ModelMarketSummary[]> {
  return summaryCache.get(String(chainId), () => currentMarketSummary(chainId, db));
}

/** marketSummary read now (no time-to-live cache): for callers that cache by data version themselves (stats.ts). */
export async function currentMarketSummary(chainId: number, db: pg.Pool = getPool(), dataVersion?: string): Promise<ModelMarketSummary[]> {
  if (!listFromSql()) {
    const snapshot = await offerSnapshots.get(db, chainId, dataVersion ?? (await searchDataVersion(db)));
    const summary = snapshotMarketSummary(snapshot);
    if (summary) return summary;
  }
  return sqlMarketSummary(chainId, db);
}

/** marketSummary from PostgreSQL: the reference the snapshot's summary must equal, and its fallback. */
export async function sqlMarketSummary(chainId: number, db: pg.Pool = getPool()): Promise<ModelMarketSummary[]> {
  const result = await db.query<Omit<ModelMarketSummary, "gpuLabel">>(
    `select gpu_model as "gpuModel", count(*)::int as offers, sum(gpu_count)::int as "totalGpus", sum(free_units)::int as "freeGpus",
       round(percentile_cont(0.5) within group (order by price_per_gpu_hour::float8))::numeric::text as "medianPricePerGpuHour",
       min(price_per_gpu_hour)::text as "minPricePerGpuHour"
     from offer where chain_id = $1 and status = 'Active' group by gpu_model order by 3 desc, gpu_model collate "C"`,
    [chainId],
  );
  return result.rows.map((row) => ({ ...row, gpuLabel: gpuModelById(row.gpuModel)?.label ?? null }));
}

export { FILTER_KEYS, GPU_MODELS };
