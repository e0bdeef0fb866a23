/**
 * Counts for a search with a budget (maxPricePerGpuHour), from the counts of the same filters without
 * it. Only offers priced above the budget count differently, and the price sort order (offer-page.ts)
 * lists exactly those at its end; so once the budget-less counts of a filter set are known (one full
 * pass, kept), each new budget costs a pass over the offers above it instead of over every offer.
 * Renters mostly move the budget; the full pass stays for the first time a filter set is seen when
 * most offers are above the budget.
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

const cached = new WeakMap<ListSnapshot, { counts: Map<string, SnapshotCounts>; budgetless: Map<string, RawCounts> }>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= 500) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}

/**
 * Every count search needs for `filters` (`key` names them; `budgetlessKey` names them without the
 * budget), remembered per snapshot for the last 500 filter sets. Equal to countSnapshot's.
 */
export function searchCounts(snapshot: ListSnapshot, key: string, budgetlessKey: string, filters: SnapshotFilter[]): SnapshotCounts {
  let memo = cached.get(snapshot);
  if (!memo) cached.set(snapshot, (memo = { counts: new Map(), budgetless: new Map() }));
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
  const raw: RawCounts = { total: base.total, byModel: base.byModel.slice(), byRegion: base.byRegion.slice(), failingAlone: base.failingAlone.slice() };
  const args = filterArguments(snapshot, slotBounds(snapshot, others));
  const slots = [...new Set(others.map((f) => SLOT[f.key]))].sort((a, b) => a - b);
  raw.total -= adjusterFor(slots)(...args, order, lo, order.length, raw.byModel, raw.byRegion, raw.failingAlone);
  return remember(memo.counts, key, finishCounts(snapshot, filters, raw));
}
