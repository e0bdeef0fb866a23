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
