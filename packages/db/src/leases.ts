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
     where ${where.join(" and ")} order by l.lease_id desc limit $${params.length}`,
    params,
  );
  const leases = result.rows.slice(0, query.limit);
  return { leases, nextCursor: result.rows.length > query.limit ? (leases.at(-1)!.leaseId as string) : null };
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
