import { gpuModelById } from "@gridlease/sdk/gpus";
import type pg from "pg";
import { getPool } from "./client";
import { OFFER_SELECT } from "./offer-select";
import { ONLINE_SQL } from "./search";

/** Provider reads: the summary an offer page and the API show, a provider with its offers, and its payouts (the provider dashboard). */

export async function getProviderSummary(chainId: number, address: string, db: pg.Pool = getPool()) {
  const result = await db.query(
    `select p.address, p.status, p.stake::text as stake, p.pending_unstake::text as "pendingUnstake", p.total_slashed::text as "totalSlashed",
       p.encryption_key as "encryptionKey", p.metadata_uri as "metadataUri", p.registered_block::text as "registeredBlock",
       p.offers_listed as "offersListed", p.leases_total as "leasesTotal", p.leases_completed as "leasesCompleted",
       p.leases_cancelled as "leasesCancelled", p.leases_not_accepted as "leasesNotAccepted", p.leases_declined as "leasesDeclined",
       p.disputes_opened as "disputesOpened", p.disputes_lost as "disputesLost", p.earnings_net::text as "earningsNet",
       p.outages_reported as "outagesReported", p.outages_refuted as "outagesRefuted", p.outages_settled as "outagesSettled",
       p.reliability, u.uptime_24h as "uptime24h", u.uptime_7d as "uptime7d", u.uptime_30d as "uptime30d",
       u.last_heartbeat_at as "lastHeartbeatAt", coalesce(${ONLINE_SQL}, false) as online
     from provider p left join provider_uptime u on u.chain_id = p.chain_id and u.provider = p.address
     where p.chain_id = $1 and p.address = $2`,
    [chainId, address],
  );
  const row = result.rows[0];
  if (!row) return null;
  return { ...row, lastHeartbeatAt: row.lastHeartbeatAt ? new Date(row.lastHeartbeatAt).toISOString() : null };
}

export async function getProviderDetail(chainId: number, address: string, db: pg.Pool = getPool()) {
  const provider = await getProviderSummary(chainId, address, db);
  if (!provider) return null;
  const offers = await providerOffers(chainId, address, 500, db);
  return { ...provider, offers: offers.map((o) => ({ ...o, gpuLabel: gpuModelById(o.gpuModel)?.label ?? null })) };
}

/** A provider's offers in the API's columns (OFFER_SELECT), newest first, at most `limit`. */
export async function providerOffers(chainId: number, address: string, limit: number, db: pg.Pool = getPool()) {
  const offers = await db.query(`select ${OFFER_SELECT} from offer o where o.chain_id = $1 and o.provider = $2 order by o.offer_id desc limit $3`, [
    chainId,
    address,
    limit,
  ]);
  return offers.rows;
}

/** Net USDC paid out to a provider at `block` (base units). */
export interface Payout {
  block: number;
  amount: bigint;
}

/**
 * A provider's net payouts in block order (at most 1,000 claims and 1,000 closed leases): each
 * EarningsClaimed pays gross − fee; a lease's close pays whatever its lifetime total still owed.
 */
export async function providerPayouts(chainId: number, address: string, db: pg.Pool = getPool()): Promise<Payout[]> {
  const [claims, closed] = await Promise.all([
    db.query<{ block: number; gross: string; fee: string }>(
      `select block_number::float8 as block, args->>'gross' as gross, args->>'fee' as fee from raw_event
       where chain_id = $1 and name = 'EarningsClaimed' and args->>'provider' = $2 order by block_number limit 1000`,
      [chainId, address],
    ),
    db.query<{ block: number; owed: string }>(
      `select closed_block::float8 as block, (provider_total - (claimed_gross - claimed_fee))::text as owed from lease
       where chain_id = $1 and provider = $2 and status = 'Closed' and closed_block is not null and provider_total is not null limit 1000`,
      [chainId, address],
    ),
  ]);
  const payouts = claims.rows.map((c) => ({ block: c.block, amount: BigInt(c.gross) - BigInt(c.fee) }));
  for (const lease of closed.rows) if (BigInt(lease.owed) > 0n) payouts.push({ block: lease.block, amount: BigInt(lease.owed) });
  return payouts.sort((a, b) => a.block - b.block);
}
