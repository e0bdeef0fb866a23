import type { Address } from "viem";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { getPrisma } from "@gridlease/db/client";
import { outageHistory, type OutageRecord } from "@gridlease/db/outages";
import type { ListingRow } from "@/components/provider/listings-table";
import type { LeaseView } from "@/lib/lease-view";
import { dbAddress } from "./address-param";
import { blockTimestamps } from "./block-times";
import { leasesOfProvider } from "./leases";

export interface ProviderDashboardData {
  registered: boolean;
  encryptionKey: string;
  reliability: number;
  earningsNet: string;
  offers: ListingRow[];
  leases: LeaseView[];
  /** Cumulative net earnings after each payout; `time` is the payout block's timestamp (null if unknown). */
  earnings: { block: number; time: number | null; cumulative: string }[];
  /** SLA history (LeaseLiveness): outage reports against this provider and their outcome, newest first. */
  outages: { reported: number; refuted: number; settled: number; latest: OutageRecord[] };
}

export async function loadProviderDashboard(chainId: number, address: Address): Promise<ProviderDashboardData> {
  const prisma = getPrisma();
  const provider = dbAddress(address);
  const [row, offers, leases, claims, closed, latestOutages] = await Promise.all([
    prisma.provider.findUnique({ where: { chainId_address: { chainId, address: provider } } }),
    prisma.offer.findMany({ where: { chainId, provider }, orderBy: { offerId: "desc" }, take: 200 }),
    leasesOfProvider(chainId, address),
    prisma.rawEvent.findMany({
      where: { chainId, name: "EarningsClaimed", args: { path: ["provider"], equals: provider } },
      orderBy: { blockNumber: "asc" },
      take: 1_000,
    }),
    prisma.lease.findMany({
      where: { chainId, provider, status: "Closed" },
      select: { closedBlock: true, providerTotal: true, claimedGross: true, claimedFee: true },
      take: 1_000,
    }),
    outageHistory(chainId, provider, 20),
  ]);
  // Net payouts in block order: each claim pays gross − fee; the close pays whatever the lifetime total still owed.
  const payouts: { block: number; amount: bigint }[] = claims.map((event) => {
    const args = event.args as { gross: string; fee: string };
    return { block: Number(event.blockNumber), amount: BigInt(args.gross) - BigInt(args.fee) };
  });
  for (const lease of closed) {
    if (lease.closedBlock === null || lease.providerTotal === null) continue;
    const claimedNet = BigInt(lease.claimedGross.toFixed(0)) - BigInt(lease.claimedFee.toFixed(0));
    const rest = BigInt(lease.providerTotal.toFixed(0)) - claimedNet;
    if (rest > 0n) payouts.push({ block: Number(lease.closedBlock), amount: rest });
  }
  payouts.sort((a, b) => a.block - b.block);
  let running = 0n;
  const times = await blockTimestamps(payouts.map((p) => p.block));
  const earnings = payouts.map((p) => ({ block: p.block, time: times.get(p.block) ?? null, cumulative: (running += p.amount).toString() }));

  return {
    registered: row !== null && row.status !== "None",
    encryptionKey: row?.encryptionKey ?? "",
    reliability: row?.reliability ?? 0,
    earningsNet: row?.earningsNet.toFixed(0) ?? "0",
    offers: offers.map((o) => ({
      offerId: o.offerId.toString(),
      gpuLabel: gpuModelById(o.gpuModel)?.label ?? o.gpuModel,
      gpuCount: o.gpuCount,
      freeUnits: o.freeUnits,
      region: o.region,
      pricePerGpuHour: o.pricePerGpuHour.toFixed(0),
      status: o.status,
    })),
    leases,
    earnings,
    outages: { reported: row?.outagesReported ?? 0, refuted: row?.outagesRefuted ?? 0, settled: row?.outagesSettled ?? 0, latest: latestOutages },
  };
}
