import type { LeaseRecord } from "@gridlease/db/leases";
import type { Address, Hex } from "viem";

/**
 * A lease as dashboards hand it to client components (amounts as decimal strings, times in unix seconds):
 * packages/db's lease record with checksummed addresses and the GPU's label.
 */
export interface LeaseView
  extends Pick<
    LeaseRecord,
    | "leaseId"
    | "offerId"
    | "gpus"
    | "hours"
    | "pricePerGpuHour"
    | "deposit"
    | "acceptDeadline"
    | "acceptedAt"
    | "endsAt"
    | "closeReason"
    | "claimedGross"
    | "providerTotal"
    | "renterRefund"
    | "feeTotal"
    | "dispute"
  > {
  renter: Address;
  provider: Address;
  status: "Pending" | "Active" | "Disputed" | "Suspended" | "Closed" | string;
  /** Closed leases: the refund plus provider stake slashed to the renter at close (lib/lease-money.ts). */
  renterReceived: string | null;
  encryptedRequest: Hex;
  encryptedAccess: Hex | null;
  gpuLabel: string;
  region: string;
}

/** What the provider has earned gross so far at `nowSeconds` (docs/protocol.md, "Accrual"). */
/** The escrow's own formula, deposit × elapsed / (hours × 3600): after an extension at another price the
 *  lease streams at the blended rate, which gpus × booked price would get wrong. */
export function accruedAt(lease: Pick<LeaseView, "hours" | "deposit" | "acceptedAt" | "endsAt">, nowSeconds: number): bigint {
  if (lease.acceptedAt === null || lease.endsAt === null) return 0n;
  const until = Math.min(nowSeconds, lease.endsAt);
  if (until <= lease.acceptedAt) return 0n;
  const owed = (BigInt(lease.deposit) * BigInt(until - lease.acceptedAt)) / (BigInt(lease.hours) * 3600n);
  const deposit = BigInt(lease.deposit);
  return owed < deposit ? owed : deposit;
}
