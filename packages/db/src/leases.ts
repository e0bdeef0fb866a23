import { STORED_LEASE_STATUSES } from "@gridlease/sdk/protocol";
import { z } from "zod";
import type pg from "pg";
import { getPool } from "./client";
import { addressSchema, chainIdParam, idSchema } from "./params";
import { defaultChainId } from "./search";

/** Lease reads: the API's lease list and the counts the offer page shows. */

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

/** The lease columns every lease read returns (camelCase, exact decimal strings for amounts, unix seconds as numbers). */
const LEASE_COLUMNS = `l.lease_id::text as "leaseId", l.offer_id::text as "offerId", l.renter, l.provider, l.token, l.gpus, l.hours::float8 as hours,
       l.price_per_gpu_hour::text as "pricePerGpuHour", l.deposit::text as deposit, l.accept_deadline::float8 as "acceptDeadline",
       l.accepted_at::float8 as "acceptedAt", l.ends_at::float8 as "endsAt", l.status, l.close_reason as "closeReason",
       l.claimed_gross::text as "claimedGross", l.claimed_fee::text as "claimedFee", l.provider_total::text as "providerTotal",
       l.renter_refund::text as "renterRefund", l.fee_total::text as "feeTotal", l.encrypted_request as "encryptedRequest",
       l.encrypted_access as "encryptedAccess", l.booked_block::text as "bookedBlock", l.booked_tx_hash as "bookedTxHash",
       l.closed_block::text as "closedBlock", o.gpu_model as "gpuModel", o.region`;

/** Which leases a read wants; addresses as the indexer stores them (lowercase). */
export interface LeaseFilter {
  renter?: string;
  provider?: string;
  status?: string;
  leaseIds?: string[];
  /** Only leases with a smaller id (the API's page cursor). */
  before?: string;
}

/** `where` clauses and their parameters for `filter`; `$1` is the chain id. */
function leaseWhere(chainId: number, filter: LeaseFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [chainId];
  const where = ["l.chain_id = $1"];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.renter) add("l.renter = ?", filter.renter);
  if (filter.provider) add("l.provider = ?", filter.provider);
  if (filter.status) add("l.status = ?", filter.status);
  if (filter.leaseIds) add("l.lease_id = any(?::bigint[])", filter.leaseIds);
  if (filter.before) add("l.lease_id < ?::numeric", filter.before);
  return { where: where.join(" and "), params };
}

export async function listLeases(query: LeaseListQuery, db: pg.Pool = getPool()) {
  const { where, params } = leaseWhere(query.chainId ?? defaultChainId(), {
    renter: query.renter,
    provider: query.provider,
    status: query.status,
    before: query.cursor,
  });
  params.push(query.limit + 1);
  const result = await db.query(
    `select ${LEASE_COLUMNS}, d.status as "disputeStatus"
     from lease l join offer o on o.chain_id = l.chain_id and o.offer_id = l.offer_id
       left join dispute d on d.chain_id = l.chain_id and d.lease_id = l.lease_id
     where ${where} order by l.lease_id desc limit $${params.length}`,
    params,
  );
  const leases = result.rows.slice(0, query.limit);
  return { leases, nextCursor: result.rows.length > query.limit ? (leases.at(-1)!.leaseId as string) : null };
}

/** Stake slashed to someone (ProviderSlashed) in the transaction that closed a lease. */
export interface SlashAtClose {
  recipient: string;
  amount: string;
}

/** A lease's dispute as the dashboards show it (amounts once the arbiter resolved it). */
export interface LeaseDispute {
  evidenceHash: string;
  evidenceUri: string;
  status: string;
  renterAmount: string | null;
  providerAmount: string | null;
  slashAmount: string | null;
}

export interface LeaseRecord {
  leaseId: string;
  offerId: string;
  renter: string;
  provider: string;
  token: string;
  gpus: number;
  hours: number;
  pricePerGpuHour: string;
  deposit: string;
  acceptDeadline: number;
  acceptedAt: number | null;
  endsAt: number | null;
  status: string;
  closeReason: string | null;
  claimedGross: string;
  claimedFee: string;
  providerTotal: string | null;
  renterRefund: string | null;
  feeTotal: string | null;
  encryptedRequest: string;
  encryptedAccess: string | null;
  bookedBlock: string;
  bookedTxHash: string;
  closedBlock: string | null;
  /** Null when the offer is not in the mirror. */
  gpuModel: string | null;
  region: string | null;
  dispute: LeaseDispute | null;
  /** Closed leases: the slashes paid in the closing transaction (reclaims and dispute results pay the renter on top of the refund). */
  slashesAtClose: SlashAtClose[];
}

/**
 * Leases for the web app's dashboards and arbiter console, newest first (at most `limit`), with the
 * offer's GPU and region, the dispute if any, and for closed ones the stake slashed at close.
 */
export async function findLeases(chainId: number, filter: LeaseFilter, limit = 100, db: pg.Pool = getPool()): Promise<LeaseRecord[]> {
  const { where, params } = leaseWhere(chainId, filter);
  params.push(limit);
  const result = await db.query(
    `select ${LEASE_COLUMNS}, case when d.lease_id is null then null else json_build_object(
         'evidenceHash', d.evidence_hash, 'evidenceUri', d.evidence_uri, 'status', d.status, 'renterAmount', d.renter_amount::text,
         'providerAmount', d.provider_amount::text, 'slashAmount', d.slash_amount::text) end as dispute
     from lease l left join offer o on o.chain_id = l.chain_id and o.offer_id = l.offer_id
       left join dispute d on d.chain_id = l.chain_id and d.lease_id = l.lease_id
     where ${where} order by l.lease_id desc limit $${params.length}`,
    params,
  );
  const rows = result.rows as Omit<LeaseRecord, "slashesAtClose">[];
  const slashes = await slashesAtClose(
    chainId,
    rows.filter((r) => r.status === "Closed"),
    db,
  );
  return rows.map((r) => ({ ...r, slashesAtClose: slashes.get(r.leaseId) ?? [] }));
}

/**
 * Provider stake slashed when each closed lease closed (ProviderSlashed in the same transaction as
 * LeaseClosed), keyed by lease id.
 */
export async function slashesAtClose(
  chainId: number,
  closed: { leaseId: string; closedBlock: string | null }[],
  db: pg.Pool = getPool(),
): Promise<Map<string, SlashAtClose[]>> {
  const byLease = new Map<string, SlashAtClose[]>();
  // The closing blocks narrow both lookups to the (chain_id, block_number) index before the JSON match.
  const blocks = [...new Set(closed.flatMap((c) => (c.closedBlock === null ? [] : [c.closedBlock])))];
  if (blocks.length === 0) return byLease;
  const closes = await db.query<{ leaseId: string; txHash: string }>(
    `select args->>'leaseId' as "leaseId", tx_hash as "txHash" from raw_event
     where chain_id = $1 and name = 'LeaseClosed' and block_number = any($2::bigint[]) and args->>'leaseId' = any($3)`,
    [chainId, blocks, closed.map((c) => c.leaseId)],
  );
  if (closes.rows.length === 0) return byLease;
  const slashes = await db.query<SlashAtClose & { txHash: string }>(
    `select tx_hash as "txHash", args->>'recipient' as recipient, args->>'amount' as amount from raw_event
     where chain_id = $1 and name = 'ProviderSlashed' and block_number = any($2::bigint[]) and tx_hash = any($3)
     order by block_number, log_index`,
    [chainId, blocks, [...new Set(closes.rows.map((c) => c.txHash))]],
  );
  for (const close of closes.rows) {
    byLease.set(
      close.leaseId,
      slashes.rows.filter((s) => s.txHash === close.txHash).map((s) => ({ recipient: s.recipient, amount: s.amount })),
    );
  }
  return byLease;
}

/** Statuses of a lease that still holds units of its offer: every stored one but Closed (so a new one counts as open). */
export const OPEN_LEASE_STATUSES = LEASE_STATUSES.filter((status) => status !== "Closed");

export async function countOpenLeases(chainId: number, offerId: string, db: pg.Pool = getPool()): Promise<number> {
  const result = await db.query<{ n: number }>("select count(*)::int as n from lease where chain_id = $1 and offer_id = $2 and status = any($3)", [
    chainId,
    offerId,
    OPEN_LEASE_STATUSES,
  ]);
  return result.rows[0]!.n;
}
