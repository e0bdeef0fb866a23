"use client";
import { StepChart } from "@/components/common/step-chart";

/** The offer's price over time: each listing or price change holds until the next, drawn up to now. */
export function PriceChart({ points }: { points: { block: number; time: number | null; price: string }[] }) {
  return (
    <StepChart
      points={points.map((p) => ({ time: p.time, usdc: Number(p.price) / 1e6 }))}
      kind="line"
      color="#818cf8"
      heightClass="h-48"
      testId="price-chart"
      empty="No price history yet."
      yDomain={["auto", "auto"]}
      tooltip={(usdc) => [`${usdc.toFixed(3)} USDC/GPU·h`, "price"]}
    />
  );
}
