"use client";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Cumulative net earnings (USDC) as each payout landed, by block. */
export function EarningsChart({ points }: { points: { block: number; cumulative: string }[] }) {
  if (points.length === 0) return <p className="text-sm text-slate-400">No earnings yet: they appear as leases are claimed or closed.</p>;
  const data = points.map((p) => ({ block: p.block, usdc: Number(p.cumulative) / 1e6 }));
  return (
    <div className="h-52 w-full" data-testid="earnings-chart">
      <ResponsiveContainer>
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
          <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
          <XAxis dataKey="block" stroke="#64748b" fontSize={11} tickFormatter={(b) => `#${b}`} />
          <YAxis stroke="#64748b" fontSize={11} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }} labelFormatter={(b) => `block ${b}`} formatter={(v) => [`${Number(v).toFixed(2)} USDC`, "earned"]} />
          <Area type="stepAfter" dataKey="usdc" stroke="#34d399" fill="#34d39933" strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
