"use client";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { stepSeries, timeLabel, timeTick, timeTicks } from "@/lib/chart-time";
import { useNow } from "@/lib/use-now";

/** The offer's price over time: each listing or price change holds until the next, drawn up to now. */
export function PriceChart({ points }: { points: { block: number; time: number | null; price: string }[] }) {
  const now = useNow(60_000);
  const data = stepSeries(
    points.map((p) => ({ time: p.time, usdc: Number(p.price) / 1e6 })),
    now,
  );
  if (data.length === 0) return <p className="text-sm text-slate-400">No price history yet.</p>;
  const span = data.at(-1)!.time - data[0]!.time;
  return (
    <div className="h-48 w-full" data-testid="price-chart">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
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
          <YAxis stroke="#64748b" fontSize={11} domain={["auto", "auto"]} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }}
            labelFormatter={(t) => timeLabel(Number(t))}
            formatter={(v) => [`${Number(v).toFixed(3)} USDC/GPU·h`, "price"]}
          />
          <Line type="stepAfter" dataKey="usdc" stroke="#818cf8" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
