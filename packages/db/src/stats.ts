import type { Hex } from "viem";
import { bytes32ToText } from "@gridlease/sdk/offers";
import type { OfferStatusName } from "@gridlease/sdk/protocol";
import type pg from "pg";
import { getPool } from "./client";
import { dbEnv } from "./env";
import { LEASE_STATUSES } from "./leases";
import { currentMarketSummary, defaultChainId, searchDataVersion, type ModelMarketSummary } from "./search";

/** Market totals for /api/stats and the home page, and the market's history for the stats page. */

export interface MarketStats {
  chainId: number;
  providers: { active: number; total: number };
  offers: { active: number; total: number; freeGpus: number };
  leases: Record<(typeof LEASE_STATUSES)[number], number>;
  disputes: { open: number; total: number };
  indexer: { block: string | null; finalizedBlock: string | null; updatedAt: string | null };
  models: ModelMarketSummary[];
}

const statsCache = new Map<number, { value: Promise<MarketStats>; expires: number; settled?: Promise<MarketStats> }>();

/** Market totals; cached for 2 s because every figure is a count over whole tables. */
export function marketStats(chainId = defaultChainId(), db: pg.Pool = getPool()): Promise<MarketStats> {
  const hit = statsCache.get(chainId);
  if (hit && hit.expires > Date.now()) return hit.value;
  const value = loadMarketStats(chainId, db);
  const entry = { value, expires: Date.now() + dbEnv().STATS_TTL_MS };
  // Expired: recompute, but answer with the last stats until the new ones are in (at 1M offers a
  // recomputation takes seconds, and every /api/stats request waited for it).
  const stale = hit?.settled;
  // While it runs, the stale stats stay (one recomputation at a time, however long it takes).
  statsCache.set(chainId, stale ? { value: stale, expires: Infinity, settled: stale } : entry);
  value.then(
    (stats) => statsCache.set(chainId, { value, expires: Date.now() + dbEnv().STATS_TTL_MS, settled: Promise.resolve(stats) }),
    () => statsCache.delete(chainId),
  );
  return stale ?? value;
}

/** The whole-table counts of one chain, with the data version they were read at. */
interface TableCounts {
  version: string;
  readAt: number;
  counts: Promise<[pg.QueryResult, pg.QueryResult<{ status: string; count: number }>, ModelMarketSummary[]]>;
}

const tableCounts = new Map<number, TableCounts>();

/**
 * Longest the whole-table counts are reused while the data version stays: a write the version does not
 * announce (a manual fix in the database) still shows within it.
 */
const TABLE_COUNTS_MAX_AGE_MS = 60_000;

/**
 * The counts over whole tables, re-read only when the data version moved (searchDataVersion: every
 * indexer batch that changed rows bumps it) or TABLE_COUNTS_MAX_AGE_MS passed. At 1M offers they cost
 * PostgreSQL ≈ 0.3 s of CPU, which a 2 s refresh of an idle market paid for nothing.
 */
async function readTableCounts(chainId: number, db: pg.Pool): Promise<TableCounts["counts"]> {
  const version = await searchDataVersion(db);
  const cached = tableCounts.get(chainId);
  if (cached && cached.version === version && Date.now() - cached.readAt < TABLE_COUNTS_MAX_AGE_MS) return cached.counts;
  const counts = Promise.all([
    db.query(
      // One pass over each table (three over offer cost a second of PostgreSQL's CPU per refresh at 1M offers).
      `select p.active::int as "providersActive", p.total::int as "providersTotal", o.active::int as "offersActive", o.total::int as "offersTotal",
              o.free::int as "freeGpus", d.open::int as "disputesOpen", d.total::int as "disputesTotal"
       from (select count(*) filter (where status = 'Active') as active, count(*) as total from provider where chain_id = $1) p,
            (select count(*) filter (where status = 'Active') as active, count(*) as total,
                    coalesce(sum(free_units) filter (where status = 'Active'), 0) as free from offer where chain_id = $1) o,
            (select count(*) filter (where status = 'Open') as open, count(*) as total from dispute where chain_id = $1) d`,
      [chainId],
    ),
    db.query<{ status: string; count: number }>(`select status, count(*)::int as count from lease where chain_id = $1 group by status`, [chainId]),
    currentMarketSummary(chainId, db, version),
  ]);
  const entry: TableCounts = { version, readAt: Date.now(), counts };
  tableCounts.set(chainId, entry);
  counts.catch(() => {
    if (tableCounts.get(chainId) === entry) tableCounts.delete(chainId);
  });
  return counts;
}

async function loadMarketStats(chainId: number, db: pg.Pool): Promise<MarketStats> {
  // The cursor every time: empty blocks move it without a new data version.
  const [[counts, leases, models], cursor] = await Promise.all([
    readTableCounts(chainId, db),
    db.query(`select block_number::text as block, finalized_block::text as finalized, updated_at from indexer_cursor where chain_id = $1`, [chainId]),
  ]);
  const c = counts.rows[0];
  const byStatus = Object.fromEntries(LEASE_STATUSES.map((s) => [s, leases.rows.find((r) => r.status === s)?.count ?? 0])) as MarketStats["leases"];
  const cur = cursor.rows[0];
  return {
    chainId,
    providers: { active: c.providersActive, total: c.providersTotal },
    offers: { active: c.offersActive, total: c.offersTotal, freeGpus: c.freeGpus },
    leases: byStatus,
    disputes: { open: c.disputesOpen, total: c.disputesTotal },
    indexer: { block: cur?.block ?? null, finalizedBlock: cur?.finalized ?? null, updatedAt: cur?.updated_at ? new Date(cur.updated_at).toISOString() : null },
    models,
  };
}

export interface ModelPoint {
  /** GPUs in active offers. */
  supply: number;
  /** Reserved GPUs / GPUs in offers that are not delisted, 0..1. */
  utilization: number;
  /** Median price per GPU-hour of active offers, USDC. */
  medianPrice: number | null;
}

export interface MarketHistoryPoint {
  block: number;
  models: Record<string, ModelPoint>;
}

interface OfferState {
  model: string;
  gpus: number;
  free: number;
  price: bigint;
  status: Exclude<OfferStatusName, "None">;
}

const OFFER_EVENTS = ["OfferListed", "OfferPriceUpdated", "OfferPaused", "OfferResumed", "OfferDelisted", "UnitsReserved", "UnitsReleased"];
const MAX_EVENTS = 200_000;

function median(values: bigint[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? Number(sorted[mid]) : (Number(sorted[mid - 1]) + Number(sorted[mid])) / 2;
  return value / 1e6;
}

function snapshot(offers: Map<string, OfferState>): Record<string, ModelPoint> {
  const byModel = new Map<string, { supply: number; listed: number; reserved: number; prices: bigint[] }>();
  for (const offer of offers.values()) {
    if (offer.status === "Delisted") continue;
    const entry = byModel.get(offer.model) ?? { supply: 0, listed: 0, reserved: 0, prices: [] };
    entry.listed += offer.gpus;
    entry.reserved += offer.gpus - offer.free;
    if (offer.status === "Active") {
      entry.supply += offer.gpus;
      entry.prices.push(offer.price);
    }
    byModel.set(offer.model, entry);
  }
  return Object.fromEntries(
    [...byModel].map(([model, e]) => [model, { supply: e.supply, utilization: e.listed ? e.reserved / e.listed : 0, medianPrice: median(e.prices) }]),
  );
}

/**
 * Supply, utilization and median price per GPU model over time, by replaying the registry's offer
 * events (at most MAX_EVENTS) into `buckets` snapshots between the first listing and the indexed head.
 */
export async function marketHistory(chainId: number, buckets = 24, db: pg.Pool = getPool()): Promise<MarketHistoryPoint[]> {
  const [events, cursor] = await Promise.all([
    db.query<{ name: string; block: number; args: Record<string, unknown> }>(
      `select name, block_number::float8 as block, args from raw_event where chain_id = $1 and name = any($2)
       order by block_number, log_index limit $3`,
      [chainId, OFFER_EVENTS, MAX_EVENTS],
    ),
    db.query<{ block: number }>(`select block_number::float8 as block from indexer_cursor where chain_id = $1`, [chainId]),
  ]);
  if (events.rows.length === 0) return [];
  const first = events.rows[0]!.block;
  const head = Math.max(cursor.rows[0]?.block ?? 0, events.rows.at(-1)!.block);
  const span = head - first + 1;
  const count = Math.min(buckets, span);
  const boundaries = Array.from({ length: count }, (_, i) => first + Math.ceil(((i + 1) * span) / count) - 1);

  const offers = new Map<string, OfferState>();
  const points: MarketHistoryPoint[] = [];
  let next = 0;
  const flushUntil = (block: number) => {
    while (next < boundaries.length && boundaries[next]! < block) {
      points.push({ block: boundaries[next]!, models: snapshot(offers) });
      next++;
    }
  };
  for (const event of events.rows) {
    flushUntil(event.block);
    const args = event.args;
    const id = String(args.offerId);
    const offer = offers.get(id);
    switch (event.name) {
      case "OfferListed": {
        const spec = args.spec as { gpuModel: Hex; gpuCount: number; pricePerGpuHour: string };
        offers.set(id, {
          model: bytes32ToText(spec.gpuModel),
          gpus: spec.gpuCount,
          free: spec.gpuCount,
          price: BigInt(spec.pricePerGpuHour),
          status: "Active",
        });
        break;
      }
      case "OfferPriceUpdated":
        if (offer) offer.price = BigInt(args.newPricePerGpuHour as string);
        break;
      case "OfferPaused":
        if (offer) offer.status = "Paused";
        break;
      case "OfferResumed":
        if (offer) offer.status = "Active";
        break;
      case "OfferDelisted":
        if (offer) offer.status = "Delisted";
        break;
      case "UnitsReserved":
      case "UnitsReleased":
        if (offer) offer.free = Number(args.freeUnits);
        break;
    }
  }
  flushUntil(Number.MAX_SAFE_INTEGER);
  return points;
}
