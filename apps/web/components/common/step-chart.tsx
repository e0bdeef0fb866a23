"use client";
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { stepSeries, timeLabel, timeTick, timeTicks } from "@/lib/chart-time";
import { useNow } from "@/lib/use-now";

/**
 * A USDC amount that steps at each event and holds until the next, drawn on a time axis up to now.
 * The offer's price chart and the provider's earnings chart are this one chart with other colours and
 * words, so their axes, ticks and tooltips stay alike.
 */
export function StepChart({
  points,
  kind,
  color,
  heightClass,
  testId,
  empty,
  yDomain,
  tooltip,
}: {
  points: { time: number | null; usdc: number }[];
  kind: "line" | "area";
  color: string;
  heightClass: string;
  testId: string;
  /** What the chart says instead when there is nothing to draw. */
  empty: string;
  yDomain?: [string, string];
  /** The tooltip's value text and name for a point's amount. */
  tooltip: (usdc: number) => [string, string];
}) {
  const now = useNow(60_000);
  const data = stepSeries(points, now);
  if (data.length === 0) return <p className="text-sm text-slate-400">{empty}</p>;
  const span = data.at(-1)!.time - data[0]!.time;
  const Chart = kind === "line" ? LineChart : AreaChart;
  return (
    <div className={`${heightClass} w-full`} data-testid={testId}>
      <ResponsiveContainer>
        <Chart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
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
          <YAxis stroke="#64748b" fontSize={11} domain={yDomain} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", borderRadius: 8 }}
            labelFormatter={(t) => timeLabel(Number(t))}
            formatter={(v) => tooltip(Number(v))}
          />
          {kind === "line" ? (
            <Line type="stepAfter" dataKey="usdc" stroke={color} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          ) : (
            <Area type="stepAfter" dataKey="usdc" stroke={color} fill={`${color}33`} strokeWidth={2} isAnimationActive={false} />
          )}
        </Chart>
      </ResponsiveContainer>
    </div>
  );
}
