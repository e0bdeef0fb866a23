import type { Address } from "viem";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { outageHistory, type OutageRecord } from "@gridlease/db/outages";
import { getProviderSummary, providerOffers, providerPayouts } from "@gridlease/db/providers";
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
  const provider = dbAddress(address);
  const [row, offers, leases, payouts, latestOutages] = await Promise.all([
    getProviderSummary(chainId, provider),
    providerOffers(chainId, provider, 200),
    leasesOfProvider(chainId, address),
    providerPayouts(chainId, provider),
    outageHistory(chainId, provider, 20),
  ]);
  let running = 0n;
  const times = await blockTimestamps(payouts.map((p) => p.block));
  const earnings = payouts.map((p) => ({ block: p.block, time: times.get(p.block) ?? null, cumulative: (running += p.amount).toString() }));

  return {
    registered: row !== null && row.status !== "None",
    encryptionKey: row?.encryptionKey ?? "",
    reliability: row?.reliability ?? 0,
    earningsNet: row?.earningsNet ?? "0",
    offers: offers.map((o) => ({
      offerId: o.offerId,
      gpuLabel: gpuModelById(o.gpuModel)?.label ?? o.gpuModel,
      gpuCount: o.gpuCount,
      freeUnits: o.freeUnits,
      region: o.region,
      pricePerGpuHour: o.pricePerGpuHour,
      status: o.status,
    })),
    leases,
    earnings,
    outages: { reported: row?.outagesReported ?? 0, refuted: row?.outagesRefuted ?? 0, settled: row?.outagesSettled ?? 0, latest: latestOutages },
  };
}
