/**
 * Time axes for the charts (stats, price history, earnings): points sit at their real time, not at
 * evenly spaced event slots or block numbers, and ticks are labelled at a precision that fits the span.
 */

/** Tick label for a unix time, given the visible span in seconds: clock time within two days, else the date. */
export function timeTick(seconds: number, spanSeconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  if (spanSeconds <= 2 * 86_400) return iso.slice(11, 16); // HH:MM
  if (spanSeconds <= 60 * 86_400) return iso.slice(5, 10); // MM-DD
  return iso.slice(0, 10); // YYYY-MM-DD
}

/** Tooltip label: the full UTC minute. */
export function timeLabel(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * A step series (each value holds until the next) as chart rows in time order, with the last value
 * carried to `until` so a single change still draws a line up to now. Points without a time are dropped.
 */
export function stepSeries<T extends { time: number | null }>(points: readonly T[], until: number): (T & { time: number })[] {
  const placed = points.filter((p): p is T & { time: number } => p.time !== null).sort((a, b) => a.time - b.time);
  const last = placed.at(-1);
  if (last && until > last.time) placed.push({ ...last, time: until });
  return placed;
}

const STEPS = [60, 300, 900, 1_800, 3_600, 3 * 3_600, 6 * 3_600, 12 * 3_600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400];

/**
 * Tick positions on round UTC times (whole minutes, hours, days) between `start` and `end`, at most
 * `maxTicks` of them: a plain numeric axis would tick at round numbers of seconds, like 1764580500.
 */
export function timeTicks(start: number, end: number, maxTicks = 5): number[] {
  if (!(end > start)) return [start];
  const step = STEPS.find((s) => (end - start) / s <= maxTicks) ?? Math.ceil((end - start) / maxTicks / 86_400) * 86_400;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}
