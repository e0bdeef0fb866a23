import type pg from "pg";
import { getPool } from "./client";
import { dbEnv } from "./env";
import { LEASE_STATUSES } from "./leases";
import { defaultChainId, marketSummary, type ModelMarketSummary } from "./search";

/** Market totals for /api/stats and the home page. */

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

async function loadMarketStats(chainId: number, db: pg.Pool): Promise<MarketStats> {
  const [counts, leases, cursor, models] = await Promise.all([
    db.query(
      `select (select count(*) filter (where status = 'Active') from provider where chain_id = $1)::int as "providersActive",
              (select count(*) from provider where chain_id = $1)::int as "providersTotal",
              (select count(*) filter (where status = 'Active') from offer where chain_id = $1)::int as "offersActive",
              (select count(*) from offer where chain_id = $1)::int as "offersTotal",
              (select coalesce(sum(free_units) filter (where status = 'Active'), 0) from offer where chain_id = $1)::int as "freeGpus",
              (select count(*) filter (where status = 'Open') from dispute where chain_id = $1)::int as "disputesOpen",
              (select count(*) from dispute where chain_id = $1)::int as "disputesTotal"`,
      [chainId],
    ),
    db.query<{ status: string; count: number }>(`select status, count(*)::int as count from lease where chain_id = $1 group by status`, [chainId]),
    db.query(`select block_number::text as block, finalized_block::text as finalized, updated_at from indexer_cursor where chain_id = $1`, [chainId]),
    marketSummary(chainId, db),
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
