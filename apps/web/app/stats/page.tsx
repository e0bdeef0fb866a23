import type { Metadata } from "next";
import { marketSummary } from "@gridlease/db/search";
import { MarketSummary } from "@/components/market/market-summary";
import { StatsCharts } from "@/components/stats/stats-charts";
import { loadMarketHistory } from "@/lib/server/market-stats";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

export const metadata: Metadata = { title: "Market stats" };

const CHART_MODELS = 8;

export default async function StatsPage() {
  const { CHAIN_ID } = readRuntimeConfig();
  const [points, summary] = await Promise.all([loadMarketHistory(CHAIN_ID), marketSummary(CHAIN_ID)]);
  const latest = points.at(-1)?.models ?? {};
  // The models with the most GPUs on the chain's latest snapshot; more lines than this are unreadable.
  const models = Object.entries(latest)
    .sort((a, b) => b[1].supply - a[1].supply || a[0].localeCompare(b[0]))
    .slice(0, CHART_MODELS)
    .map(([m]) => m);
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-bold">Market stats</h1>
        <p className="text-sm text-slate-400">Replayed from the registry&apos;s events: supply, utilization and median price per GPU model over time.</p>
      </header>
      <StatsCharts points={points} models={models} />
      <MarketSummary rows={summary} />
    </div>
  );
}
