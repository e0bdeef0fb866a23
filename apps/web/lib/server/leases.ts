import { getAddress, type Address, type Hex } from "viem";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { getPrisma } from "@gridlease/db/client";
import type { LeaseView } from "@/lib/lease-view";
import { renterReceived, type SlashPayment } from "@/lib/lease-money";
import { dbAddress } from "./address-param";

/**
 * Provider stake slashed to the renter when each closed lease closed (ProviderSlashed in the same
 * transaction as LeaseClosed), keyed by lease id: reclaim and dispute results pay it on top of the refund.
 */
async function slashesAtClose(chainId: number, closed: { leaseId: bigint; closedBlock: bigint | null }[]): Promise<Map<string, SlashPayment[]>> {
  const byLease = new Map<string, SlashPayment[]>();
  if (closed.length === 0) return byLease;
  const prisma = getPrisma();
  // The closing blocks narrow both lookups to the (chain_id, block_number) index before the JSON match.
  const blocks = [...new Set(closed.flatMap((c) => (c.closedBlock === null ? [] : [c.closedBlock])))];
  const closes = await prisma.rawEvent.findMany({
    where: {
      chainId,
      name: "LeaseClosed",
      blockNumber: { in: blocks },
      OR: closed.map((c) => ({ args: { path: ["leaseId"], equals: c.leaseId.toString() } })),
    },
    select: { txHash: true, args: true },
  });
  if (closes.length === 0) return byLease;
  const slashes = await prisma.rawEvent.findMany({
    where: { chainId, name: "ProviderSlashed", blockNumber: { in: blocks }, txHash: { in: [...new Set(closes.map((c) => c.txHash))] } },
    select: { txHash: true, args: true },
  });
  for (const close of closes) {
    const leaseId = String((close.args as Record<string, unknown>).leaseId);
    const inTx = slashes
      .filter((s) => s.txHash === close.txHash)
      .map((s) => s.args as Record<string, string>)
      .map((a) => ({ recipient: String(a.recipient), amount: String(a.amount) }));
    byLease.set(leaseId, inTx);
  }
  return byLease;
}

type LeaseWhere = { renter?: string; provider?: string; leaseId?: bigint | { in: bigint[] }; status?: string };

/** Leases from the indexer's mirror, newest first, with the offer's GPU and the dispute if any. */
export async function loadLeases(chainId: number, where: LeaseWhere, take = 100): Promise<LeaseView[]> {
  const prisma = getPrisma();
  const rows = await prisma.lease.findMany({ where: { chainId, ...where }, orderBy: { leaseId: "desc" }, take, include: { dispute: true } });
  const offerIds = [...new Set(rows.map((r) => r.offerId))];
  const offers = offerIds.length
    ? await prisma.offer.findMany({ where: { chainId, offerId: { in: offerIds } }, select: { offerId: true, gpuModel: true, region: true } })
    : [];
  const offerById = new Map(offers.map((o) => [o.offerId.toString(), o]));
  const slashes = await slashesAtClose(
    chainId,
    rows.filter((r) => r.status === "Closed"),
  );
  return rows.map((r) => {
    const offer = offerById.get(r.offerId.toString());
    return {
      leaseId: r.leaseId.toString(),
      offerId: r.offerId.toString(),
      renter: getAddress(r.renter),
      provider: getAddress(r.provider),
      gpus: r.gpus,
      hours: Number(r.hours),
      pricePerGpuHour: r.pricePerGpuHour.toFixed(0),
      deposit: r.deposit.toFixed(0),
      acceptDeadline: Number(r.acceptDeadline),
      acceptedAt: r.acceptedAt === null ? null : Number(r.acceptedAt),
      endsAt: r.endsAt === null ? null : Number(r.endsAt),
      status: r.status,
      closeReason: r.closeReason,
      claimedGross: r.claimedGross.toFixed(0),
      providerTotal: r.providerTotal?.toFixed(0) ?? null,
      renterRefund: r.renterRefund?.toFixed(0) ?? null,
      feeTotal: r.feeTotal?.toFixed(0) ?? null,
      renterReceived:
        r.status === "Closed" ? renterReceived(r.renterRefund?.toFixed(0) ?? null, slashes.get(r.leaseId.toString()) ?? [], r.renter).toString() : null,
      encryptedRequest: r.encryptedRequest as Hex,
      encryptedAccess: (r.encryptedAccess as Hex | null) ?? null,
      gpuLabel: offer ? (gpuModelById(offer.gpuModel)?.label ?? offer.gpuModel) : "unknown GPU",
      region: offer?.region ?? "",
      dispute: r.dispute && {
        evidenceHash: r.dispute.evidenceHash,
        evidenceUri: r.dispute.evidenceUri,
        status: r.dispute.status,
        renterAmount: r.dispute.renterAmount?.toFixed(0) ?? null,
        providerAmount: r.dispute.providerAmount?.toFixed(0) ?? null,
        slashAmount: r.dispute.slashAmount?.toFixed(0) ?? null,
      },
    };
  });
}

export function leasesOfRenter(chainId: number, renter: Address) {
  return loadLeases(chainId, { renter: dbAddress(renter) });
}

export function leasesOfProvider(chainId: number, provider: Address) {
  return loadLeases(chainId, { provider: dbAddress(provider) });
}
