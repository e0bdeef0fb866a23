/**
 * Facet counts, totals and "why nothing matched" from an in-memory column snapshot of active offers.
 *
 * Each of those is a count over every active offer under all filters but one. In SQL that is a scan of
 * the whole offer table per count: about 40 ms each on 100k offers here, ~80 ms per new query, so a
 * search nobody had asked before topped out near 25 req/s (docs/benchmarks.md). Held as typed arrays,
 * one pass over 100k offers answers all of them in about 0.3 ms. The snapshot (loaded and kept by
 * offer-list.ts / offer-page.ts, which also answer the offer list from it) follows the search data
 * version, so counts are exact for that version.
 */
import { FILTER_KEYS, type FilterKey } from "./search-query";

/** Active offers of one chain as columns; row i of every array is the same offer. */
export interface OfferSnapshot {
  size: number;
  /** Index into `gpuModels` / `regions`. */
  gpuModelCode: Uint16Array;
  regionCode: Uint16Array;
  gpuModels: string[];
  regions: string[];
  gpuCount: Float64Array;
  vramGb: Float64Array;
  cpuCores: Float64Array;
  ramGb: Float64Array;
  diskGb: Float64Array;
  bandwidthMbps: Float64Array;
  /** Price in token base units; Infinity above 2^53 (the exact value is in `largePrices`). */
  price: Float64Array;
  largePrices: Map<number, bigint>;
  freeUnits: Float64Array;
  reliability: Float64Array;
  providerActive: Uint8Array;
  /** 1: the provider is online (ONLINE_WINDOW_SECONDS); offer-list.ts withOnlineAt re-evaluates it at query time. */
  online: Uint8Array;
  /** The provider's settled outage reports (SLA history, provider.outages_settled). */
  outagesSettled: Float64Array;
  /** Proof of GPU: ms time of the trusted passed check that verifies the offer; NaN when none (offer-verified.ts). */
  verifiedAt: Float64Array;
}

type MinimumKey = "minGpus" | "minVramGb" | "minCpuCores" | "minRamGb" | "minDiskGb" | "minBandwidthMbps" | "minReliability";

/** A search filter as the snapshot evaluates it (the same condition as its SQL in search.ts). */
export type SnapshotFilter =
  | { key: "gpu" | "region"; values: string[] }
  | { key: MinimumKey; minimum: number }
  | { key: "maxPricePerGpuHour"; budget: bigint }
  | { key: "availableNow"; units: number }
  | { key: "online" }
  | { key: "maxSettledOutages"; maximum: number }
  /** Verified by a check at or after `since` (ms): now − GPU_CHECK_VALID_SECONDS. */
  | { key: "verified"; since: number };

export interface FacetCount {
  value: string;
  count: number;
}

export interface SnapshotCounts {
  /** Offers passing every filter. */
  total: number;
  /** Per GPU model, offers passing every filter but the GPU one (what the GPU checkboxes show). */
  gpuModel: FacetCount[];
  /** Per region, offers passing every filter but the region one. */
  region: FacetCount[];
  /** Per filter, offers passing every other filter: what dropping it would add back when nothing matches. */
  withoutFilter: Map<FilterKey, number>;
  /** Active offers, no filters. */
  activeOffers: number;
}

function sortedFacet(counts: Uint32Array, names: string[]): FacetCount[] {
  const facet: FacetCount[] = [];
  counts.forEach((count, index) => {
    if (count > 0) facet.push({ value: names[index]!, count });
  });
  return facet.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

// Each filter has a slot in the counting loop (countingLoop below), numbered as in FILTER_KEYS. A filter
// the query does not use keeps a bound every offer passes and is left out of the compiled loop.
export const SLOT = Object.fromEntries(FILTER_KEYS.map((key, i) => [key, i])) as Record<FilterKey, number>;

const noLargePrices = new WeakMap<OfferSnapshot, Uint8Array>();

/** All-zero flags, one array per snapshot: ordinary budgets need them and must not allocate 1 byte per offer each count. */
function noLargePriceWithinBudget(snapshot: OfferSnapshot): Uint8Array {
  let flags = noLargePrices.get(snapshot);
  if (!flags) noLargePrices.set(snapshot, (flags = new Uint8Array(snapshot.size)));
  return flags;
}

/** Bounds for the counting loop: pass-everything unless a filter sets them. */
export function slotBounds(snapshot: OfferSnapshot, filters: SnapshotFilter[]) {
  const codeMask = (table: string[], names: string[] | null) => {
    const mask = new Uint8Array(table.length).fill(names ? 0 : 1);
    for (const name of names ?? []) {
      const index = table.indexOf(name);
      if (index >= 0) mask[index] = 1;
    }
    return mask;
  };
  const minimum: Record<MinimumKey, number> = {
    minGpus: -Infinity,
    minVramGb: -Infinity,
    minCpuCores: -Infinity,
    minRamGb: -Infinity,
    minDiskGb: -Infinity,
    minBandwidthMbps: -Infinity,
    minReliability: -Infinity,
  };
  let gpu: string[] | null = null;
  let region: string[] | null = null;
  let priceLimit = Infinity;
  // Prices above 2^53 are Infinity in the snapshot; a budget above 2^53 decides them exactly here.
  let largePriceWithinBudget = noLargePriceWithinBudget(snapshot);
  let units = -Infinity;
  let needsActiveProvider = 0;
  let needsOnline = 0;
  let maxSettledOutages = Infinity;
  let verifiedSince = -Infinity;
  for (const filter of filters) {
    switch (filter.key) {
      case "gpu":
        gpu = filter.values;
        break;
      case "region":
        region = filter.values;
        break;
      case "maxPricePerGpuHour":
        priceLimit = Number(filter.budget);
        if (filter.budget > BigInt(Number.MAX_SAFE_INTEGER)) {
          largePriceWithinBudget = new Uint8Array(snapshot.size);
          for (const [i, exact] of snapshot.largePrices) if (exact <= filter.budget) largePriceWithinBudget[i] = 1;
          priceLimit = Number.MAX_SAFE_INTEGER; // every finite price is at most it; Infinity ones go by the flag
        }
        break;
      case "availableNow":
        units = filter.units;
        needsActiveProvider = 1;
        needsOnline = 1;
        break;
      case "online":
        needsOnline = 1;
        break;
      case "maxSettledOutages":
        maxSettledOutages = filter.maximum;
        break;
      case "verified":
        verifiedSince = filter.since;
        break;
      default:
        minimum[filter.key] = filter.minimum;
    }
  }
  return {
    gpuMask: codeMask(snapshot.gpuModels, gpu),
    regionMask: codeMask(snapshot.regions, region),
    minimum,
    priceLimit,
    largePriceWithinBudget,
    units,
    needsActiveProvider,
    needsOnline,
    maxSettledOutages,
    verifiedSince,
  };
}

/** Each filter's test on offer `i`, over the loop's parameters below (offer-list.ts walks with the same tests). */
export const SLOT_TESTS: Record<FilterKey, string> = {
  gpu: "gpuMask[gpuModelCode[i]] === 1",
  region: "regionMask[regionCode[i]] === 1",
  minGpus: "gpuCount[i] >= minGpus",
  minVramGb: "vramGb[i] >= minVramGb",
  minCpuCores: "cpuCores[i] >= minCpuCores",
  minRamGb: "ramGb[i] >= minRamGb",
  minDiskGb: "diskGb[i] >= minDiskGb",
  minBandwidthMbps: "bandwidthMbps[i] >= minBandwidthMbps",
  maxPricePerGpuHour: "price[i] <= priceLimit || largePriceWithinBudget[i] === 1",
  minReliability: "reliability[i] >= minReliability",
  availableNow: "freeUnits[i] >= units && providerActive[i] >= needsActiveProvider && online[i] >= needsOnline",
  online: "online[i] >= needsOnline",
  maxSettledOutages: "outagesSettled[i] <= maxSettledOutages",
  // NaN (not verified) fails every comparison.
  verified: "verifiedAt[i] >= verifiedSince",
};
export const LOOP_PARAMETERS = [
  "size",
  "gpuModelCode",
  "regionCode",
  "gpuMask",
  "regionMask",
  "gpuCount",
  "minGpus",
  "vramGb",
  "minVramGb",
  "cpuCores",
  "minCpuCores",
  "ramGb",
  "minRamGb",
  "diskGb",
  "minDiskGb",
  "bandwidthMbps",
  "minBandwidthMbps",
  "price",
  "priceLimit",
  "largePriceWithinBudget",
  "reliability",
  "minReliability",
  "freeUnits",
  "units",
  "providerActive",
  "needsActiveProvider",
  "online",
  "needsOnline",
  "outagesSettled",
  "maxSettledOutages",
  "verifiedAt",
  "verifiedSince",
  "byModel",
  "byRegion",
  "failingAlone",
];
/** The filter loops' parameters before their outputs: the counting loop's less byModel, byRegion, failingAlone. */
export const FILTER_PARAMETERS = LOOP_PARAMETERS.slice(0, -3);

type Bounds = ReturnType<typeof slotBounds>;

/**
 * Arguments for a compiled filter loop (FILTER_PARAMETERS order): a query's bounds, else the snapshot's
 * column of that name. Read name by name rather than from a merged `{ ...snapshot, ...bounds }`: that
 * object (the snapshot has dozens of fields) was built twice per search, and at 1,600 new searches a
 * second it was the largest share of what survived young-generation collections (sampled heap profile,
 * docs/benchmarks.md), i.e. long scavenge pauses.
 */
export function filterArguments(snapshot: OfferSnapshot, bounds: Bounds): unknown[] {
  const minimum = bounds.minimum as Record<string, number>;
  const fromBounds = bounds as unknown as Record<string, unknown>;
  const columns = snapshot as unknown as Record<string, unknown>;
  const args = new Array<unknown>(FILTER_PARAMETERS.length);
  for (let k = 0; k < FILTER_PARAMETERS.length; k++) {
    const name = FILTER_PARAMETERS[k]!;
    args[k] = name in minimum ? minimum[name] : name in fromBounds ? fromBounds[name] : columns[name];
  }
  return args;
}
type CountingLoop = (...args: unknown[]) => number;
const countingLoops = new Map<string, CountingLoop>();

/**
 * The counting loop for one set of active filter slots, compiled once per set and reused. Testing only
 * the filters a query uses keeps the loop from touching columns nobody asked about: 0.3 ms instead of
 * 1.0 ms per 100k offers for a four-filter search, measured. The source is assembled only from the fixed
 * SLOT_TESTS above, chosen by slot number; query values reach the loop as arguments, never as code.
 */
function countingLoop(active: Set<number>): CountingLoop {
  const slots = [...active].sort((a, b) => a - b);
  const key = slots.join(",");
  let loop = countingLoops.get(key);
  if (!loop) {
    const tests = slots.map((slot) => `if (!(${SLOT_TESTS[FILTER_KEYS[slot]!]})) { if (failed >= 0) continue; failed = ${slot}; }`).join("\n    ");
    const body = `let total = 0;
  for (let i = 0; i < size; i++) {
    let failed = -1;
    ${tests}
    if (failed === -1) { total++; byModel[gpuModelCode[i]]++; byRegion[regionCode[i]]++; }
    else { failingAlone[failed]++; if (failed === ${SLOT.gpu}) byModel[gpuModelCode[i]]++; else if (failed === ${SLOT.region}) byRegion[regionCode[i]]++; }
  }
  return total;`;
    loop = new Function(...LOOP_PARAMETERS, body) as CountingLoop;
    countingLoops.set(key, loop);
  }
  return loop;
}

/** Every count search needs (total, facets, what dropping each filter adds back), in one pass. */
export function countSnapshot(snapshot: OfferSnapshot, filters: SnapshotFilter[]): SnapshotCounts {
  return finishCounts(snapshot, filters, countRaw(snapshot, filters));
}

/** The counting loop's own output: offers passing everything, per facet value, and failing exactly one filter (by slot). */
export interface RawCounts {
  total: number;
  byModel: Uint32Array;
  byRegion: Uint32Array;
  failingAlone: Uint32Array;
}

/** One pass of the counting loop over every offer. */
export function countRaw(snapshot: OfferSnapshot, filters: SnapshotFilter[]): RawCounts {
  const { gpuMask, regionMask, minimum, priceLimit, largePriceWithinBudget, units, needsActiveProvider, needsOnline, maxSettledOutages, verifiedSince } =
    slotBounds(snapshot, filters);
  const {
    size,
    gpuModelCode,
    regionCode,
    gpuCount,
    vramGb,
    cpuCores,
    ramGb,
    diskGb,
    bandwidthMbps,
    price,
    reliability,
    freeUnits,
    providerActive,
    online,
    outagesSettled,
    verifiedAt,
  } = snapshot;
  const { minGpus, minVramGb, minCpuCores, minRamGb, minDiskGb, minBandwidthMbps, minReliability } = minimum;
  const byModel = new Uint32Array(snapshot.gpuModels.length);
  const byRegion = new Uint32Array(snapshot.regions.length);
  const failingAlone = new Uint32Array(FILTER_KEYS.length);
  const active = new Set(filters.map((filter) => SLOT[filter.key]));
  const countOffers = countingLoop(active);
  const total = countOffers(
    size,
    gpuModelCode,
    regionCode,
    gpuMask,
    regionMask,
    gpuCount,
    minGpus,
    vramGb,
    minVramGb,
    cpuCores,
    minCpuCores,
    ramGb,
    minRamGb,
    diskGb,
    minDiskGb,
    bandwidthMbps,
    minBandwidthMbps,
    price,
    priceLimit,
    largePriceWithinBudget,
    reliability,
    minReliability,
    freeUnits,
    units,
    providerActive,
    needsActiveProvider,
    online,
    needsOnline,
    outagesSettled,
    maxSettledOutages,
    verifiedAt,
    verifiedSince,
    byModel,
    byRegion,
    failingAlone,
  );
  return { total, byModel, byRegion, failingAlone };
}

/** What search returns from the loop's output. */
export function finishCounts(snapshot: OfferSnapshot, filters: SnapshotFilter[], { total, byModel, byRegion, failingAlone }: RawCounts): SnapshotCounts {
  const withoutFilter = new Map<FilterKey, number>();
  for (const { key } of filters) withoutFilter.set(key, total + failingAlone[SLOT[key]]!);
  return {
    total,
    gpuModel: sortedFacet(byModel, snapshot.gpuModels),
    region: sortedFacet(byRegion, snapshot.regions),
    withoutFilter,
    activeOffers: snapshot.size,
  };
}
