"use client";
import { StepChart } from "@/components/common/step-chart";

/** Cumulative net earnings (USDC) over time, stepping at each payout and held up to now. */
export function EarningsChart({ points }: { points: { block: number; time: number | null; cumulative: string }[] }) {
  return (
    <StepChart
      points={points.map((p) => ({ time: p.time, usdc: Number(p.cumulative) / 1e6 }))}
      kind="area"
      color="#34d399"
      heightClass="h-52"
      testId="earnings-chart"
      empty="No earnings yet: they appear as leases are claimed or closed."
      tooltip={(usdc) => [`${usdc.toFixed(2)} USDC`, "earned"]}
    />
  );
}
