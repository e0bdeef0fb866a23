"use client";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { stepSeries, timeLabel, timeTick, timeTicks } from "@/lib/chart-time";
import { useNow } from "@/lib/use-now";

/** Cumulative net earnings (USDC) over time, stepping at each payout and held up to now. */
export function EarningsChart({ points }: { points: { block: number; time: number | null; cumulative: string }[] }) {
  const now = useNow(60_000);
  const data = stepSeries(
    points.map((p) => ({ time: p.time, usdc: Number(p.cumulative) / 1e6 })),
    now,
  );
  if (data.length === 0) return <p className="text-sm text-slate-400">No earnings yet: they appear as leases are claimed or closed.</p>;
  const span = data.at(-1)!.time - data[0]!.time;
  return (
    <div className="h-52 w-full" data-testid="earnings-chart">
      <ResponsiveContainer>
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
          <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
          <XAxis
            dataKey="time"
            type="number"
            domain={["dataMin", "dataMax"]}
            ticks={timeTicks(data[0]!.time, data.at(-1)!.time)}
            stroke="#64748b"
            fontSize={11}
            minTickGap={32}
            tickFormatter={(t: number) => timeTick(t, span)}
          />
          <YAxis stroke="#64748b" fontSize={11} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }}
            labelFormatter={(t) => timeLabel(Number(t))}
            formatter={(v) => [`${Number(v).toFixed(2)} USDC`, "earned"]}
          />
          <Area type="stepAfter" dataKey="usdc" stroke="#34d399" fill="#34d39933" strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
