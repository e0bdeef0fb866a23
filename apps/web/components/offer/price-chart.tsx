"use client";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export function PriceChart({ points }: { points: { block: number; price: string }[] }) {
  if (points.length === 0) return <p className="text-sm text-slate-400">No price history yet.</p>;
  // Each row is the price from that block on; repeat the last one at the right edge so one change still draws a line.
  const data = points.map((p) => ({ block: p.block, usdc: Number(p.price) / 1e6 }));
  if (data.length === 1) data.push({ block: data[0]!.block + 1, usdc: data[0]!.usdc });
  return (
    <div className="h-48 w-full" data-testid="price-chart">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
          <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
          <XAxis dataKey="block" stroke="#64748b" fontSize={11} tickFormatter={(b) => `#${b}`} />
          <YAxis stroke="#64748b" fontSize={11} domain={["auto", "auto"]} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }}
            labelFormatter={(b) => `block ${b}`}
            formatter={(v) => [`${Number(v).toFixed(3)} USDC/GPU·h`, "price"]}
          />
          <Line type="stepAfter" dataKey="usdc" stroke="#818cf8" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
