import { marketHistory, type MarketHistoryPoint } from "@gridlease/db/stats";
import { blockTimestamps } from "./block-times";

export interface StatsPoint extends MarketHistoryPoint {
  /** The bucket's last block's timestamp (null if the node could not say). */
  time: number | null;
}

/** Supply, utilization and median price per GPU model over time (packages/db/src/stats.ts), placed in time for the charts. */
export async function loadMarketHistory(chainId: number, buckets = 24): Promise<StatsPoint[]> {
  const points = await marketHistory(chainId, buckets);
  const times = await blockTimestamps(points.map((p) => p.block));
  return points.map((p) => ({ ...p, time: times.get(p.block) ?? null }));
}
