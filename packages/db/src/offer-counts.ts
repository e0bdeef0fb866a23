/**
 * Counts for a search with a budget (maxPricePerGpuHour), from the counts of the same filters without
 * it. Only offers priced above the budget count differently, and the price sort order (offer-page.ts)
 * lists exactly those at its end; so once the budget-less counts of a filter set are known (one full
 * pass, kept), each new budget costs a pass over the offers above it instead of over every offer.
 * Renters mostly move the budget; the full pass stays for the first time a filter set is seen when
 * most offers are above the budget.
 *
 * At a million offers "the offers above the budget" can still be hundreds of thousands (a low budget):
 * 5–18 ms a search. So a filter set whose budgets keep landing low gets a budget index: its counts at
 * checkpoints along the price order (at most CHECKPOINTS of them, built in one pass from the top), and a
 * budget costs the offers between its position and the next checkpoint only.
 */
import {
  countRaw,
  FILTER_PARAMETERS,
  countSnapshot,
  finishCounts,
  filterArguments,
  SLOT,
  SLOT_TESTS,
  slotBounds,
  type RawCounts,
  type SnapshotCounts,
  type SnapshotFilter,
} from "./offer-facets";
import type { ListSnapshot } from "./offer-list";
import { orderFor } from "./offer-page";
import { FILTER_KEYS } from "./search-query";

type Adjust = (...args: unknown[]) => number;
const adjusters = new Map<string, Adjust>();

/**
 * Takes the offers at `order[start..end)` (all above the budget) out of budget-less counts: one that
 * passed every other filter now fails the budget alone; one that failed exactly one other filter now
 * fails two and counts nowhere. Compiled per filter set from the fixed SLOT_TESTS, as the counting loop.
 */
function adjusterFor(slots: number[]): Adjust {
  const key = slots.join(",");
  let adjust = adjusters.get(key);
  if (!adjust) {
    const tests = slots.map((slot) => `if (!(${SLOT_TESTS[FILTER_KEYS[slot]!]})) { if (failed >= 0) continue; failed = ${slot}; }`).join("\n    ");
    adjust = new Function(
      ...FILTER_PARAMETERS,
      "order",
      "start",
      "end",
      "byModel",
      "byRegion",
      "failingAlone",
      `
  let removed = 0;
  for (let p = start; p < end; p++) {
    const i = order[p];
    let failed = -1;
    ${tests}
    if (failed === -1) { removed++; byModel[gpuModelCode[i]]--; byRegion[regionCode[i]]--; failingAlone[${SLOT.maxPricePerGpuHour}]++; }
    else { failingAlone[failed]--; if (failed === ${SLOT.gpu}) byModel[gpuModelCode[i]]--; else if (failed === ${SLOT.region}) byRegion[regionCode[i]]--; }
  }
  return removed;`,
    ) as Adjust;
    adjusters.set(key, adjust);
  }
  return adjust;
}

/** Budget-less counts of one filter set at positions 0, step, 2·step, … (and the end) of the price order. */
interface BudgetIndex {
  step: number;
  total: Float64Array;
  byModel: Uint32Array[];
  byRegion: Uint32Array[];
  failingAlone: Uint32Array[];
}

interface Memo {
  counts: Map<string, SnapshotCounts>;
  budgetless: Map<string, RawCounts>;
  indexes: Map<string, BudgetIndex>;
}

const cached = new WeakMap<ListSnapshot, Memo>();

function remember<V>(map: Map<string, V>, key: string, value: V, max = 500): V {
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}

/** Checkpoints per budget index (≈ 45 counts each): bounded memory whatever the market's size. */
const CHECKPOINTS = 256;
/** Budget indexes kept per snapshot (one per filter set, the most recently built). */
const INDEXES_KEPT = 64;
/** Fewest offers between checkpoints: below that a budget's own pass is already short. */
const MIN_STEP = 1024;

type AdjustRange = (raw: RawCounts, start: number, end: number) => void;

/** Walks down the price order from the budget-less counts, keeping a copy at every checkpoint. */
function buildBudgetIndex(base: RawCounts, size: number, step: number, adjust: AdjustRange): BudgetIndex {
  const points = Math.ceil(size / step) + 1;
  const index: BudgetIndex = { step, total: new Float64Array(points), byModel: [], byRegion: [], failingAlone: [] };
  const raw: RawCounts = { total: base.total, byModel: base.byModel.slice(), byRegion: base.byRegion.slice(), failingAlone: base.failingAlone.slice() };
  let position = size;
  for (let j = points - 1; j >= 0; j--) {
    const at = Math.min(size, j * step);
    adjust(raw, at, position);
    position = at;
    index.total[j] = raw.total;
    index.byModel[j] = raw.byModel.slice();
    index.byRegion[j] = raw.byRegion.slice();
    index.failingAlone[j] = raw.failingAlone.slice();
  }
  return index;
}

/**
 * Every count search needs for `filters` (`key` names them; `budgetlessKey` names them without the
 * budget), remembered per snapshot for the last 500 filter sets. Equal to countSnapshot's.
 * `minIndexStep`: fewest offers between a budget index's checkpoints (tests use small markets).
 */
export function searchCounts(snapshot: ListSnapshot, key: string, budgetlessKey: string, filters: SnapshotFilter[], minIndexStep = MIN_STEP): SnapshotCounts {
  let memo = cached.get(snapshot);
  if (!memo) cached.set(snapshot, (memo = { counts: new Map(), budgetless: new Map(), indexes: new Map() }));
  const hit = memo.counts.get(key);
  if (hit) return hit;
  const budget = filters.find((f) => f.key === "maxPricePerGpuHour");
  // Prices beyond 2^53 are not in the price order exactly (listable false): the plain pass decides them.
  if (budget?.key !== "maxPricePerGpuHour" || !snapshot.listable || budget.budget > BigInt(Number.MAX_SAFE_INTEGER)) {
    return remember(memo.counts, key, countSnapshot(snapshot, filters));
  }
  const limit = Number(budget.budget);
  const order = orderFor(snapshot, "price");
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (snapshot.price[order[mid]!]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  const others = filters.filter((f) => f.key !== "maxPricePerGpuHour");
  let base = memo.budgetless.get(budgetlessKey);
  if (!base && (order.length - lo) * 4 > order.length) return remember(memo.counts, key, countSnapshot(snapshot, filters));
  base ??= remember(memo.budgetless, budgetlessKey, countRaw(snapshot, others));
  const args = filterArguments(snapshot, slotBounds(snapshot, others));
  const adjuster = adjusterFor([...new Set(others.map((f) => SLOT[f.key]))].sort((a, b) => a - b));
  const adjust: AdjustRange = (raw, start, end) => {
    if (end > start) raw.total -= adjuster(...args, order, start, end, raw.byModel, raw.byRegion, raw.failingAlone);
  };
  let raw: RawCounts;
  let index = memo.indexes.get(budgetlessKey);
  const step = Math.max(minIndexStep, Math.ceil(order.length / CHECKPOINTS));
  if (!index && order.length - lo > 2 * step) index = remember(memo.indexes, budgetlessKey, buildBudgetIndex(base, order.length, step, adjust), INDEXES_KEPT);
  if (index) {
    // The checkpoint at or after the budget's position, less the offers between the two.
    const j = Math.ceil(lo / index.step);
    raw = { total: index.total[j]!, byModel: index.byModel[j]!.slice(), byRegion: index.byRegion[j]!.slice(), failingAlone: index.failingAlone[j]!.slice() };
    // (A checkpoint's budget slot already counts the offers above it that pass every other filter.)
    adjust(raw, lo, Math.min(order.length, j * index.step));
  } else {
    raw = { total: base.total, byModel: base.byModel.slice(), byRegion: base.byRegion.slice(), failingAlone: base.failingAlone.slice() };
    adjust(raw, lo, order.length);
  }
  return remember(memo.counts, key, finishCounts(snapshot, filters, raw));
}
