import { gpuModelById } from "@gridlease/sdk/gpus";
import { STORED_LEASE_STATUSES } from "@gridlease/sdk/protocol";
import { z } from "zod";
import type pg from "pg";
import { getPool } from "./client";
import { defaultChainId, marketSummary, ONLINE_SQL, type ModelMarketSummary } from "./search";

/**
 * Read models behind the public API (offer, provider, leases, stats). Plain SQL over the shared
 * pool: every answer is one or two indexed queries, and amounts come back as exact decimal strings.
 */

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
  .transform((value) => value.toLowerCase());

export const idSchema = z.string().regex(/^[1-9]\d{0,77}$/, "must be a positive whole number");

export const chainIdParam = z.coerce.number().int("must be a whole number").positive("must be positive").optional();

const OFFER_SELECT = `o.offer_id::text as "offerId", o.provider, o.gpu_model as "gpuModel", o.gpu_count as "gpuCount",
  o.free_units as "freeUnits", o.vram_gb as "vramGb", o.cpu_cores as "cpuCores", o.ram_gb::float8 as "ramGb",
  o.disk_gb::float8 as "diskGb", o.bandwidth_mbps::float8 as "bandwidthMbps", o.region,
  o.price_per_gpu_hour::text as "pricePerGpuHour", o.min_hours::float8 as "minHours", o.max_hours::float8 as "maxHours",
  o.status, o.listed_block::text as "listedBlock", o.finalized`;

/** Largest id the mirror's BIGINT columns hold; a larger one names nothing stored (and would make PostgreSQL throw). */
const MAX_STORED_ID = 2n ** 63n - 1n;

export async function getOfferDetail(chainId: number, offerId: string, db: pg.Pool = getPool()) {
  if (BigInt(offerId) > MAX_STORED_ID) return null;
  const offer = await db.query(`select ${OFFER_SELECT} from offer o where o.chain_id = $1 and o.offer_id = $2`, [chainId, offerId]);
  const row = offer.rows[0];
  if (!row) return null;
  const [provider, history] = await Promise.all([
    getProviderSummary(chainId, row.provider, db),
    db.query(
      `select block_number::text as "blockNumber", price_per_gpu_hour::text as "pricePerGpuHour" from offer_price_history
       where chain_id = $1 and offer_id = $2 order by block_number desc, log_index desc limit 100`, [chainId, offerId]),
  ]);
  return { ...row, gpuLabel: gpuModelById(row.gpuModel)?.label ?? null, provider, priceHistory: history.rows };
}

async function getProviderSummary(chainId: number, address: string, db: pg.Pool) {
  const result = await db.query(
    `select p.address, p.status, p.stake::text as stake, p.pending_unstake::text as "pendingUnstake", p.total_slashed::text as "totalSlashed",
       p.encryption_key as "encryptionKey", p.metadata_uri as "metadataUri", p.registered_block::text as "registeredBlock",
       p.offers_listed as "offersListed", p.leases_total as "leasesTotal", p.leases_completed as "leasesCompleted",
       p.leases_cancelled as "leasesCancelled", p.leases_not_accepted as "leasesNotAccepted", p.leases_declined as "leasesDeclined",
       p.disputes_opened as "disputesOpened", p.disputes_lost as "disputesLost", p.earnings_net::text as "earningsNet",
       p.reliability, u.uptime_24h as "uptime24h", u.uptime_7d as "uptime7d", u.uptime_30d as "uptime30d",
       u.last_heartbeat_at as "lastHeartbeatAt", coalesce(${ONLINE_SQL}, false) as online
     from provider p left join provider_uptime u on u.chain_id = p.chain_id and u.provider = p.address
     where p.chain_id = $1 and p.address = $2`, [chainId, address]);
  const row = result.rows[0];
  if (!row) return null;
  return { ...row, lastHeartbeatAt: row.lastHeartbeatAt ? new Date(row.lastHeartbeatAt).toISOString() : null };
}

export async function getProviderDetail(chainId: number, address: string, db: pg.Pool = getPool()) {
  const provider = await getProviderSummary(chainId, address, db);
  if (!provider) return null;
  const offers = await db.query(`select ${OFFER_SELECT} from offer o where o.chain_id = $1 and o.provider = $2 order by o.offer_id desc limit 500`, [chainId, address]);
  return { ...provider, offers: offers.rows.map((o) => ({ ...o, gpuLabel: gpuModelById(o.gpuModel)?.label ?? null })) };
}

/** Statuses a stored lease can have: every on-chain one but None (generated from the contracts). */
export const LEASE_STATUSES = STORED_LEASE_STATUSES;

export const leaseListQuerySchema = z
  .object({
    chainId: chainIdParam,
    renter: addressSchema.optional(),
    provider: addressSchema.optional(),
    status: z.enum(LEASE_STATUSES).optional(),
    limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(25),
    cursor: idSchema.optional(),
  })
  .strict()
  .refine((q) => q.renter || q.provider, { message: "give renter or provider (an address)", path: ["renter"] });

export type LeaseListQuery = z.output<typeof leaseListQuerySchema>;

export async function listLeases(query: LeaseListQuery, db: pg.Pool = getPool()) {
  const params: unknown[] = [query.chainId ?? defaultChainId()];
  const where = ["l.chain_id = $1"];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (query.renter) add("l.renter = ?", query.renter);
  if (query.provider) add("l.provider = ?", query.provider);
  if (query.status) add("l.status = ?", query.status);
  if (query.cursor) add("l.lease_id < ?::numeric", query.cursor);
  params.push(query.limit + 1);
  const result = await db.query(
    `select l.lease_id::text as "leaseId", l.offer_id::text as "offerId", l.renter, l.provider, l.token, l.gpus, l.hours::float8 as hours,
       l.price_per_gpu_hour::text as "pricePerGpuHour", l.deposit::text as deposit, l.accept_deadline::float8 as "acceptDeadline",
       l.accepted_at::float8 as "acceptedAt", l.ends_at::float8 as "endsAt", l.status, l.close_reason as "closeReason",
       l.claimed_gross::text as "claimedGross", l.claimed_fee::text as "claimedFee", l.provider_total::text as "providerTotal",
       l.renter_refund::text as "renterRefund", l.fee_total::text as "feeTotal", l.encrypted_request as "encryptedRequest",
       l.encrypted_access as "encryptedAccess", l.booked_block::text as "bookedBlock", l.booked_tx_hash as "bookedTxHash",
       l.closed_block::text as "closedBlock", o.gpu_model as "gpuModel", o.region, d.status as "disputeStatus"
     from lease l join offer o on o.chain_id = l.chain_id and o.offer_id = l.offer_id
       left join dispute d on d.chain_id = l.chain_id and d.lease_id = l.lease_id
     where ${where.join(" and ")} order by l.lease_id desc limit $${params.length}`, params);
  const leases = result.rows.slice(0, query.limit);
  return { leases, nextCursor: result.rows.length > query.limit ? leases.at(-1)!.leaseId as string : null };
}

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
  const entry = { value, expires: Date.now() + Number(process.env.STATS_TTL_MS ?? 2000) };
  // Expired: recompute, but answer with the last stats until the new ones are in (at 1M offers a
  // recomputation takes seconds, and every /api/stats request waited for it).
  const stale = hit?.settled;
  // While it runs, the stale stats stay (one recomputation at a time, however long it takes).
  statsCache.set(chainId, stale ? { value: stale, expires: Infinity, settled: stale } : entry);
  value.then(
    (stats) => statsCache.set(chainId, { value, expires: Date.now() + Number(process.env.STATS_TTL_MS ?? 2000), settled: Promise.resolve(stats) }),
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
              (select count(*) from dispute where chain_id = $1)::int as "disputesTotal"`, [chainId]),
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
