import type pg from "pg";
import { getPool } from "./client";

/**
 * SLA history from LeaseLiveness, as the indexer stores it (lease_outage, provider.outages_*): what the
 * offer page, the provider dashboard and the API show about a provider's outages.
 */

export interface OutageCounts {
  reported: number;
  refuted: number;
  settled: number;
}

export interface OutageRecord {
  leaseId: string;
  seq: number;
  status: "Reported" | "Refuted" | "Settled";
  reporter: string;
  renter: string;
  /** Unix seconds: the provider's last sign of life the report named, and where billing stopped. */
  lastSeen: number;
  cutoff: number;
  refutableUntil: number;
  bond: string;
  reportedBlock: number;
  reportedTxHash: string;
  refutedBlock: number | null;
  settledBlock: number | null;
}

/** A provider's outage counters (zeros for an unknown provider). */
export async function outageCounts(chainId: number, provider: string, db: pg.Pool = getPool()): Promise<OutageCounts> {
  const result = await db.query<OutageCounts>(
    `select outages_reported as reported, outages_refuted as refuted, outages_settled as settled from provider where chain_id = $1 and address = $2`,
    [chainId, provider.toLowerCase()],
  );
  return result.rows[0] ?? { reported: 0, refuted: 0, settled: 0 };
}

/** A provider's latest outage reports, newest first (at most `limit`, 1..500). */
export async function outageHistory(chainId: number, provider: string, limit = 50, db: pg.Pool = getPool()): Promise<OutageRecord[]> {
  const result = await db.query(
    `select lease_id::text as "leaseId", seq, status, reporter, renter, last_seen::float8 as "lastSeen", cutoff::float8 as cutoff,
       refutable_until::float8 as "refutableUntil", bond::text as bond, reported_block::float8 as "reportedBlock",
       reported_tx_hash as "reportedTxHash", refuted_block::float8 as "refutedBlock", settled_block::float8 as "settledBlock"
     from lease_outage where chain_id = $1 and provider = $2
     order by reported_block desc, reported_log_index desc limit $3`,
    [chainId, provider.toLowerCase(), Math.min(500, Math.max(1, Math.floor(limit)))],
  );
  return result.rows as OutageRecord[];
}
