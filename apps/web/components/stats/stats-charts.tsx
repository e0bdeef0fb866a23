"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { timeLabel, timeTick, timeTicks } from "@/lib/chart-time";
import type { StatsPoint } from "@/lib/server/market-stats";

const COLORS = ["#818cf8", "#34d399", "#f472b6", "#fbbf24", "#60a5fa", "#f87171", "#a3e635", "#c084fc"];

function Chart({
  title,
  points,
  models,
  value,
  format,
  testId,
}: {
  title: string;
  points: StatsPoint[];
  models: string[];
  value: (point: StatsPoint, model: string) => number | null;
  format: (v: number) => string;
  testId: string;
}) {
  // Snapshots sit at their block's time on a numeric axis, so uneven gaps between them stay visible.
  const placed = points.filter((p): p is StatsPoint & { time: number } => p.time !== null);
  const data = placed.map((p) => ({ x: p.time, ...Object.fromEntries(models.map((m) => [m, value(p, m)])) }));
  const span = placed.length ? placed.at(-1)!.time - placed[0]!.time : 0;
  return (
    <section className="card" data-testid={testId}>
      <h2 className="mb-2 font-semibold">{title}</h2>
      <div className="h-64 w-full">
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -4 }}>
            <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={["dataMin", "dataMax"]}
              ticks={placed.length ? timeTicks(placed[0]!.time, placed.at(-1)!.time) : []}
              stroke="#64748b"
              fontSize={11}
              minTickGap={32}
              tickFormatter={(t: number) => timeTick(t, span)}
            />
            <YAxis stroke="#64748b" fontSize={11} tickFormatter={(v: number) => format(v)} width={56} />
            <Tooltip
              contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }}
              labelFormatter={(t) => timeLabel(Number(t))}
              formatter={(v) => format(Number(v))}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {models.map((m, i) => (
              <Line
                key={m}
                type="stepAfter"
                dataKey={m}
                stroke={COLORS[i % COLORS.length]}
                strokeWidth={2}
                dot={false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}

export function StatsCharts({ points, models }: { points: StatsPoint[]; models: string[] }) {
  if (points.length === 0) return <p className="card text-sm text-slate-400">No offers have been listed on this chain yet.</p>;
  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <Chart
        title="Supply (GPUs in active offers)"
        testId="chart-supply"
        points={points}
        models={models}
        value={(p, m) => p.models[m]?.supply ?? 0}
        format={(v) => v.toFixed(0)}
      />
      <Chart
        title="Utilization (GPUs rented / listed)"
        testId="chart-utilization"
        points={points}
        models={models}
        value={(p, m) => p.models[m]?.utilization ?? null}
        format={(v) => `${(v * 100).toFixed(0)}%`}
      />
      <Chart
        title="Median price (USDC per GPU-hour)"
        testId="chart-price"
        points={points}
        models={models}
        value={(p, m) => p.models[m]?.medianPrice ?? null}
        format={(v) => v.toFixed(2)}
      />
    </div>
  );
}
