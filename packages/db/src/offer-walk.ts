/**
 * The page walk of offer-page.ts: from a position in a sort order, the rows passing every filter until
 * `want` are found. Compiled once per set of filter slots from the fixed SLOT_TESTS, as the counting loop is.
 *
 * A filter set that rejects most offers makes a long walk (at 1M offers, `sort=price_per_tflop&minVramGb=48`
 * passed over the cheap 24 GB cards first, ≈ 0.5 ms a search). Once a walk with the same fixed filters
 * (region, the minimums, settled outages: what only a new column array can change; a GPU filter already
 * walks each model's own order, offer-page.ts modelOrder) has visited
 * more than PAGE_WALK_TUNING.subOrderAfterRows rows, the order's rows passing those filters are kept as a
 * sub-order, in the same order, and later walks (other budgets, pages, availability) go over it. The walk
 * still tests every filter, so the sub-order only skips rows that could not pass: the page is the same.
 * Filters that move without a new column (online, available now, verified, the budget) are never baked in.
 */
import { FILTER_PARAMETERS, filterArguments, SLOT, SLOT_TESTS, slotBounds, type SnapshotFilter } from "./offer-facets";
import type { ListSnapshot } from "./offer-list";
import { FILTER_KEYS, type FilterKey } from "./search-query";

/** Walks over `order[start, end)` testing the filters, pushing passing rows to `out` until it holds `want`; returns where it stopped. */
type Walk = (...args: unknown[]) => number;
const walks = new Map<string, Walk>();

function walkFor(filters: SnapshotFilter[]): Walk {
  const slots = [...new Set(filters.map((f) => SLOT[f.key]))].sort((a, b) => a - b);
  const key = slots.join(",");
  let walk = walks.get(key);
  if (!walk) {
    const tests = slots.map((slot) => `if (!(${SLOT_TESTS[FILTER_KEYS[slot]!]})) continue;`).join("\n    ");
    walk = new Function(
      ...FILTER_PARAMETERS,
      "order",
      "start",
      "end",
      "want",
      "out",
      `
  for (let pos = start; pos < end; pos++) {
    const i = order[pos];
    ${tests}
    out.push(i);
    if (out.length >= want) return pos + 1;
  }
  return end;`,
    ) as Walk;
    walks.set(key, walk);
  }
  return walk;
}

/** When a fixed filter set's walks have visited this many rows in one order, its sub-order is built (tests set 0). */
export const PAGE_WALK_TUNING = { subOrderAfterRows: 20_000 };

/** The column each fixed filter reads: a sub-order stays valid while these arrays are the same objects. */
const FIXED_FILTER_COLUMNS: Partial<Record<FilterKey, keyof ListSnapshot>> = {
  region: "regionCode",
  minGpus: "gpuCount",
  minVramGb: "vramGb",
  minCpuCores: "cpuCores",
  minRamGb: "ramGb",
  minDiskGb: "diskGb",
  minBandwidthMbps: "bandwidthMbps",
  minReliability: "reliability",
  maxSettledOutages: "outagesSettled",
};

interface SubOrder {
  columns: unknown[];
  /** Rows visited by walks with these filters before the sub-order was built. */
  visited: number;
  /** The rows passing the fixed filters, in the order's order; null while not built or not worth it. */
  rows: Uint32Array | null;
  /** Built and found to keep most rows: walks go over the full order. */
  useless?: boolean;
}

/** Per order array (a new order, after an update, starts afresh), per fixed filter set. At most 32 sets per order. */
const subOrders = new WeakMap<Uint32Array, Map<string, SubOrder>>();

/**
 * The walk for `filters` over `order` from `start` (a position in `order`) as offer-page.ts asks for it,
 * over the fixed filters' sub-order once there is one. `startIn` and `endIn` map an order (the full one or
 * a sub-order) to the walk's bounds in it (the cursor's and the budget's binary searches).
 */
export function walkPage(
  snapshot: ListSnapshot,
  order: Uint32Array,
  filters: SnapshotFilter[],
  startIn: (order: Uint32Array) => number,
  endIn: (order: Uint32Array) => number,
  want: number,
  out: number[],
): void {
  const args = filterArguments(snapshot, slotBounds(snapshot, filters));
  const walk = walkFor(filters);
  const fixed = filters.filter((f) => FIXED_FILTER_COLUMNS[f.key] !== undefined);
  if (fixed.length === 0) {
    walk(...args, order, startIn(order), endIn(order), want, out);
    return;
  }
  const key = JSON.stringify(fixed);
  const columns = fixed.map((f) => snapshot[FIXED_FILTER_COLUMNS[f.key]!]);
  let byFilters = subOrders.get(order);
  if (!byFilters) subOrders.set(order, (byFilters = new Map()));
  let entry = byFilters.get(key);
  if (!entry || entry.columns.some((column, k) => column !== columns[k])) {
    if (byFilters.size >= 32) byFilters.delete(byFilters.keys().next().value!);
    byFilters.set(key, (entry = { columns, visited: 0, rows: null }));
  }
  if (entry.rows) {
    walk(...args, entry.rows, startIn(entry.rows), endIn(entry.rows), want, out);
    return;
  }
  const start = startIn(order);
  entry.visited += walk(...args, order, start, endIn(order), want, out) - start;
  if (!entry.useless && entry.visited > PAGE_WALK_TUNING.subOrderAfterRows) {
    const rows: number[] = [];
    walkFor(fixed)(...filterArguments(snapshot, slotBounds(snapshot, fixed)), order, 0, order.length, Infinity, rows);
    // A sub-order that keeps most rows saves little and costs its memory.
    if (rows.length > order.length / 2) entry.useless = true;
    else entry.rows = Uint32Array.from(rows);
  }
}
