/**
 * Facet counts, totals and "why nothing matched" from an in-memory column snapshot of active offers.
 *
 * Each of those is a count over every active offer under all filters but one. In SQL that is a scan of
 * the whole offer table per count: about 40 ms each on 100k offers here, ~80 ms per new query, so a
 * search nobody had asked before topped out near 25 req/s (docs/benchmarks.md). Held as typed arrays,
 * one pass over 100k offers answers all of them in about a millisecond. The snapshot is reloaded when
 * the search data version (indexer cursors, heartbeat uptime) changes, so counts are exact for that
 * version; the offer list itself is still read from PostgreSQL, with its indexes, on every search.
 */
import type pg from "pg";
import type { FilterKey } from "./search-query";

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
}

/** One search filter over the snapshot: true when offer `i` passes. */
export type SnapshotPredicate = (i: number) => boolean;

export interface SnapshotFilter {
  key: FilterKey;
  predicate: (snapshot: OfferSnapshot) => SnapshotPredicate;
}

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

/** Integer columns become exact doubles; beyond 2^53 (never a real spec) Infinity still passes every "min" filter. */
function toDouble(text: string): number {
  const value = Number(text);
  return Number.isSafeInteger(value) || !/^\d+$/.test(text) ? value : Infinity;
}

/** Reads every active offer of a chain with the provider columns filters use. ≈250 ms per 100k offers here. */
export async function loadOfferSnapshot(db: pg.Pool, chainId: number): Promise<OfferSnapshot> {
  const result = await db.query<string[]>({
    text: `select o.gpu_model, o.region, o.gpu_count::text, o.vram_gb::text, o.cpu_cores::text, o.ram_gb::text, o.disk_gb::text,
             o.bandwidth_mbps::text, o.price_per_gpu_hour::text, o.free_units::text, p.reliability::text, (p.status = 'Active')::text
           from offer o join provider p on p.chain_id = o.chain_id and p.address = o.provider
           where o.chain_id = $1 and o.status = 'Active'`,
    values: [chainId],
    rowMode: "array",
  });
  const size = result.rows.length;
  const codes = () => ({ names: [] as string[], byName: new Map<string, number>() });
  const models = codes();
  const regions = codes();
  const code = (table: ReturnType<typeof codes>, name: string) => {
    let value = table.byName.get(name);
    if (value === undefined) {
      value = table.names.push(name) - 1;
      table.byName.set(name, value);
    }
    return value;
  };
  const snapshot: OfferSnapshot = {
    size,
    gpuModelCode: new Uint16Array(size), regionCode: new Uint16Array(size), gpuModels: models.names, regions: regions.names,
    gpuCount: new Float64Array(size), vramGb: new Float64Array(size), cpuCores: new Float64Array(size), ramGb: new Float64Array(size),
    diskGb: new Float64Array(size), bandwidthMbps: new Float64Array(size), price: new Float64Array(size), largePrices: new Map(),
    freeUnits: new Float64Array(size), reliability: new Float64Array(size), providerActive: new Uint8Array(size),
  };
  for (let i = 0; i < size; i++) {
    const row = result.rows[i]!;
    snapshot.gpuModelCode[i] = code(models, row[0]!);
    snapshot.regionCode[i] = code(regions, row[1]!);
    snapshot.gpuCount[i] = toDouble(row[2]!);
    snapshot.vramGb[i] = toDouble(row[3]!);
    snapshot.cpuCores[i] = toDouble(row[4]!);
    snapshot.ramGb[i] = toDouble(row[5]!);
    snapshot.diskGb[i] = toDouble(row[6]!);
    snapshot.bandwidthMbps[i] = toDouble(row[7]!);
    snapshot.price[i] = toDouble(row[8]!);
    if (snapshot.price[i] === Infinity) snapshot.largePrices.set(i, BigInt(row[8]!));
    snapshot.freeUnits[i] = toDouble(row[9]!);
    snapshot.reliability[i] = Number(row[10]);
    snapshot.providerActive[i] = row[11] === "true" ? 1 : 0;
  }
  return snapshot;
}

/** Offer i passes "price ≤ budget", exactly, whatever the magnitudes. */
export function priceAtMost(snapshot: OfferSnapshot, budget: bigint): SnapshotPredicate {
  if (budget <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const limit = Number(budget);
    return (i) => snapshot.price[i]! <= limit;
  }
  return (i) => snapshot.price[i]! !== Infinity || snapshot.largePrices.get(i)! <= budget;
}

/** Offer i's code is one of `names` (GPU model or region). */
export function codeIn(codes: Uint16Array, table: string[], names: string[]): SnapshotPredicate {
  const allowed = new Uint8Array(table.length);
  for (const name of names) {
    const index = table.indexOf(name);
    if (index >= 0) allowed[index] = 1;
  }
  return (i) => allowed[codes[i]!] === 1;
}

function sortedFacet(counts: Uint32Array, names: string[]): FacetCount[] {
  const facet: FacetCount[] = [];
  counts.forEach((count, index) => count > 0 && facet.push({ value: names[index]!, count }));
  return facet.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** Every count search needs, in one pass over the snapshot. */
export function countSnapshot(snapshot: OfferSnapshot, filters: SnapshotFilter[]): SnapshotCounts {
  const predicates = filters.map((filter) => filter.predicate(snapshot));
  const gpuIndex = filters.findIndex((filter) => filter.key === "gpu");
  const regionIndex = filters.findIndex((filter) => filter.key === "region");
  const byModel = new Uint32Array(snapshot.gpuModels.length);
  const byRegion = new Uint32Array(snapshot.regions.length);
  const failingAlone = new Uint32Array(filters.length);
  let total = 0;
  for (let i = 0; i < snapshot.size; i++) {
    // Only offers failing at most one filter count anywhere, so stop at the second failure.
    let failed = -1;
    let failures = 0;
    for (let f = 0; f < predicates.length; f++) {
      if (!predicates[f]!(i)) {
        failed = f;
        if (++failures === 2) break;
      }
    }
    if (failures === 0) {
      total++;
      byModel[snapshot.gpuModelCode[i]!]!++;
      byRegion[snapshot.regionCode[i]!]!++;
    } else if (failures === 1) {
      failingAlone[failed]!++;
      if (failed === gpuIndex) byModel[snapshot.gpuModelCode[i]!]!++;
      if (failed === regionIndex) byRegion[snapshot.regionCode[i]!]!++;
    }
  }
  const withoutFilter = new Map<FilterKey, number>();
  filters.forEach((filter, f) => withoutFilter.set(filter.key, total + failingAlone[f]!));
  return { total, gpuModel: sortedFacet(byModel, snapshot.gpuModels), region: sortedFacet(byRegion, snapshot.regions), withoutFilter, activeOffers: snapshot.size };
}

/**
 * The latest snapshot per chain, reloaded when the data version changes. Concurrent searches at one
 * version share one load; a failed load is not kept.
 */
export class OfferSnapshots {
  private readonly byChain = new Map<number, { version: string; snapshot: Promise<OfferSnapshot> }>();

  get(db: pg.Pool, chainId: number, version: string): Promise<OfferSnapshot> {
    const current = this.byChain.get(chainId);
    if (current && current.version === version) return current.snapshot;
    const entry = { version, snapshot: loadOfferSnapshot(db, chainId) };
    this.byChain.set(chainId, entry);
    entry.snapshot.catch(() => {
      if (this.byChain.get(chainId) === entry) this.byChain.delete(chainId);
    });
    return entry.snapshot;
  }

  clear(): void {
    this.byChain.clear();
  }
}
