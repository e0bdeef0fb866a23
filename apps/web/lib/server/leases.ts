import { getAddress, type Address, type Hex } from "viem";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { findLeases, type LeaseRecord } from "@gridlease/db/leases";
import type { LeaseView } from "@/lib/lease-view";
import { renterReceived } from "@/lib/lease-money";
import { dbAddress } from "./address-param";

type LeaseWhere = { renter?: string; provider?: string; leaseId?: bigint | { in: bigint[] }; status?: string };

/** A lease from packages/db as the dashboards show it: checksummed addresses, the GPU's label, what the renter received. */
function leaseView(r: LeaseRecord): LeaseView {
  return {
    leaseId: r.leaseId,
    offerId: r.offerId,
    renter: getAddress(r.renter),
    provider: getAddress(r.provider),
    gpus: r.gpus,
    hours: r.hours,
    pricePerGpuHour: r.pricePerGpuHour,
    deposit: r.deposit,
    acceptDeadline: r.acceptDeadline,
    acceptedAt: r.acceptedAt,
    endsAt: r.endsAt,
    status: r.status,
    closeReason: r.closeReason,
    claimedGross: r.claimedGross,
    providerTotal: r.providerTotal,
    renterRefund: r.renterRefund,
    feeTotal: r.feeTotal,
    // Reclaim and dispute results pay the stake slashed at close on top of the refund.
    renterReceived: r.status === "Closed" ? renterReceived(r.renterRefund, r.slashesAtClose, r.renter).toString() : null,
    encryptedRequest: r.encryptedRequest as Hex,
    encryptedAccess: (r.encryptedAccess as Hex | null) ?? null,
    gpuLabel: r.gpuModel === null ? "unknown GPU" : (gpuModelById(r.gpuModel)?.label ?? r.gpuModel),
    region: r.region ?? "",
    dispute: r.dispute,
  };
}

/** Leases from the indexer's mirror, newest first, with the offer's GPU and the dispute if any (packages/db/src/leases.ts). */
export async function loadLeases(chainId: number, where: LeaseWhere, take = 100): Promise<LeaseView[]> {
  const { leaseId, ...rest } = where;
  const leaseIds = leaseId === undefined ? undefined : typeof leaseId === "bigint" ? [leaseId.toString()] : leaseId.in.map(String);
  const rows = await findLeases(chainId, { ...rest, leaseIds }, take);
  return rows.map(leaseView);
}

export function leasesOfRenter(chainId: number, renter: Address) {
  return loadLeases(chainId, { renter: dbAddress(renter) });
}

export function leasesOfProvider(chainId: number, provider: Address) {
  return loadLeases(chainId, { provider: dbAddress(provider) });
}
