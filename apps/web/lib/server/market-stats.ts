import type { Hex } from "viem";
import { bytes32ToText } from "@gridlease/sdk/offers";
import type { OfferStatusName } from "@gridlease/sdk/protocol";
import { getPrisma } from "@gridlease/db/client";
import { blockTimestamps } from "./block-times";

export interface ModelPoint {
  /** GPUs in active offers. */
  supply: number;
  /** Reserved GPUs / GPUs in offers that are not delisted, 0..1. */
  utilization: number;
  /** Median price per GPU-hour of active offers, USDC. */
  medianPrice: number | null;
}

export interface StatsPoint {
  block: number;
  time: number | null;
  models: Record<string, ModelPoint>;
}

interface OfferState {
  model: string;
  gpus: number;
  free: number;
  price: bigint;
  status: Exclude<OfferStatusName, "None">;
}

const EVENTS = ["OfferListed", "OfferPriceUpdated", "OfferPaused", "OfferResumed", "OfferDelisted", "UnitsReserved", "UnitsReleased"];
const MAX_EVENTS = 200_000;

function median(values: bigint[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? Number(sorted[mid]) : (Number(sorted[mid - 1]) + Number(sorted[mid])) / 2;
  return value / 1e6;
}

function snapshot(offers: Map<string, OfferState>): Record<string, ModelPoint> {
  const byModel = new Map<string, { supply: number; listed: number; reserved: number; prices: bigint[] }>();
  for (const offer of offers.values()) {
    if (offer.status === "Delisted") continue;
    const entry = byModel.get(offer.model) ?? { supply: 0, listed: 0, reserved: 0, prices: [] };
    entry.listed += offer.gpus;
    entry.reserved += offer.gpus - offer.free;
    if (offer.status === "Active") {
      entry.supply += offer.gpus;
      entry.prices.push(offer.price);
    }
    byModel.set(offer.model, entry);
  }
  return Object.fromEntries(
    [...byModel].map(([model, e]) => [model, { supply: e.supply, utilization: e.listed ? e.reserved / e.listed : 0, medianPrice: median(e.prices) }]),
  );
}

/**
 * Supply, utilization and median price per GPU model over time, by replaying the registry's
 * offer events into `buckets` snapshots between the first listing and the indexed head.
 */
export async function loadMarketHistory(chainId: number, buckets = 24): Promise<StatsPoint[]> {
  const prisma = getPrisma();
  const [events, cursor] = await Promise.all([
    prisma.rawEvent.findMany({ where: { chainId, name: { in: EVENTS } }, orderBy: [{ blockNumber: "asc" }, { logIndex: "asc" }], take: MAX_EVENTS }),
    prisma.indexerCursor.findUnique({ where: { chainId } }),
  ]);
  if (events.length === 0) return [];
  const first = Number(events[0]!.blockNumber);
  const head = Math.max(Number(cursor?.blockNumber ?? 0), Number(events.at(-1)!.blockNumber));
  const span = head - first + 1;
  const count = Math.min(buckets, span);
  const boundaries = Array.from({ length: count }, (_, i) => first + Math.ceil(((i + 1) * span) / count) - 1);

  const offers = new Map<string, OfferState>();
  const points: StatsPoint[] = [];
  let next = 0;
  const flushUntil = (block: number) => {
    while (next < boundaries.length && boundaries[next]! < block) {
      points.push({ block: boundaries[next]!, time: null, models: snapshot(offers) });
      next++;
    }
  };
  for (const event of events) {
    flushUntil(Number(event.blockNumber));
    const args = event.args as Record<string, unknown>;
    const id = String(args.offerId);
    const offer = offers.get(id);
    switch (event.name) {
      case "OfferListed": {
        const spec = args.spec as { gpuModel: Hex; gpuCount: number; pricePerGpuHour: string };
        offers.set(id, {
          model: bytes32ToText(spec.gpuModel),
          gpus: spec.gpuCount,
          free: spec.gpuCount,
          price: BigInt(spec.pricePerGpuHour),
          status: "Active",
        });
        break;
      }
      case "OfferPriceUpdated":
        if (offer) offer.price = BigInt(args.newPricePerGpuHour as string);
        break;
      case "OfferPaused":
        if (offer) offer.status = "Paused";
        break;
      case "OfferResumed":
        if (offer) offer.status = "Active";
        break;
      case "OfferDelisted":
        if (offer) offer.status = "Delisted";
        break;
      case "UnitsReserved":
      case "UnitsReleased":
        if (offer) offer.free = Number(args.freeUnits);
        break;
    }
  }
  flushUntil(Number.MAX_SAFE_INTEGER);
  const times = await blockTimestamps(points.map((p) => p.block));
  return points.map((p) => ({ ...p, time: times.get(p.block) ?? null }));
}
