import { getAddress, type Hex } from "viem";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { getPrisma } from "@gridlease/db/client";
import { countOpenLeases } from "@gridlease/db/leases";
import { getPriceHistory } from "@gridlease/db/offers";
import type { OfferView } from "@/lib/offer-view";
import { blockTimestamps } from "./block-times";

export interface OfferDetail {
  offer: OfferView;
  provider: {
    status: string;
    stake: string;
    reliability: number;
    leasesTotal: number;
    leasesCompleted: number;
    leasesNotAccepted: number;
    leasesDeclined: number;
    disputesOpened: number;
    disputesLost: number;
    /** SLA history (LeaseLiveness): outage reports against the provider, refuted by its agent, settled. */
    outagesReported: number;
    outagesRefuted: number;
    outagesSettled: number;
    totalSlashed: string;
    metadataUri: string;
  };
  uptime: { uptime24h: number; uptime7d: number; uptime30d: number; lastHeartbeatAt: string } | null;
  /** Each price from `block` on; `time` is that block's timestamp (null if the node could not say). */
  priceHistory: { block: number; time: number | null; price: string }[];
  activeLeases: number;
}

export async function loadOfferDetail(chainId: number, offerId: bigint): Promise<OfferDetail | null> {
  const prisma = getPrisma();
  const row = await prisma.offer.findUnique({ where: { chainId_offerId: { chainId, offerId } }, include: { providerRow: true } });
  if (!row) return null;
  const [uptime, history, activeLeases] = await Promise.all([
    prisma.providerUptime.findUnique({ where: { chainId_provider: { chainId, provider: row.provider } } }),
    // The same points, in the same order, as GET /api/offers/{id}.
    getPriceHistory(chainId, offerId.toString()),
    countOpenLeases(chainId, offerId.toString()),
  ]);
  const p = row.providerRow;
  const times = await blockTimestamps(history.map((h) => Number(h.blockNumber)));
  return {
    offer: {
      offerId: row.offerId.toString(),
      provider: getAddress(row.provider),
      providerEncryptionKey: p.encryptionKey as Hex,
      gpuModel: row.gpuModel,
      gpuLabel: gpuModelById(row.gpuModel)?.label ?? row.gpuModel,
      gpuCount: row.gpuCount,
      freeUnits: row.freeUnits,
      vramGb: row.vramGb,
      cpuCores: row.cpuCores,
      ramGb: Number(row.ramGb),
      diskGb: Number(row.diskGb),
      bandwidthMbps: Number(row.bandwidthMbps),
      region: row.region,
      pricePerGpuHour: row.pricePerGpuHour.toFixed(0),
      minHours: Number(row.minHours),
      maxHours: Number(row.maxHours),
      status: row.status,
    },
    provider: {
      status: p.status,
      stake: p.stake.toFixed(0),
      reliability: p.reliability,
      leasesTotal: p.leasesTotal,
      leasesCompleted: p.leasesCompleted,
      leasesNotAccepted: p.leasesNotAccepted,
      leasesDeclined: p.leasesDeclined,
      disputesOpened: p.disputesOpened,
      disputesLost: p.disputesLost,
      outagesReported: p.outagesReported,
      outagesRefuted: p.outagesRefuted,
      outagesSettled: p.outagesSettled,
      totalSlashed: p.totalSlashed.toFixed(0),
      metadataUri: p.metadataUri,
    },
    uptime: uptime && {
      uptime24h: uptime.uptime24h,
      uptime7d: uptime.uptime7d,
      uptime30d: uptime.uptime30d,
      lastHeartbeatAt: uptime.lastHeartbeatAt.toISOString(),
    },
    priceHistory: history.map((h) => ({ block: Number(h.blockNumber), time: times.get(Number(h.blockNumber)) ?? null, price: h.pricePerGpuHour })),
    activeLeases,
  };
}
