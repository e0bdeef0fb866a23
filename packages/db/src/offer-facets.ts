/**
 * Facet counts, totals and "why nothing matched" from an in-memory column snapshot of active offers.
 *
 * Each of those is a count over every active offer under all filters but one. In SQL that is a scan of
 * the whole offer table per count: about 40 ms each on 100k offers here, ~80 ms per new query, so a
 * search nobody had asked before topped out near 25 req/s (docs/benchmarks.md). Held as typed arrays,
 * a few column passes over 100k offers answer all of them in about a millisecond. The snapshot is reloaded when
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

type NumericColumn = "gpuCount" | "vramGb" | "cpuCores" | "ramGb" | "diskGb" | "bandwidthMbps" | "reliability";

/** A search filter as the snapshot evaluates it (the same condition as its SQL in search.ts). */
export type SnapshotCondition =
  | { kind: "atLeast"; column: NumericColumn; value: number }
  | { kind: "oneOf"; column: "gpuModel" | "region"; values: string[] }
  | { kind: "priceAtMost"; budget: bigint }
  | { kind: "bookable"; units: number };

export interface SnapshotFilter {
  key: FilterKey;
  condition: SnapshotCondition;
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
    snapshot.reliability[i] = row[10] === null ? NaN : Number(row[10]);
    snapshot.providerActive[i] = row[11] === "true" ? 1 : 0;
  }
  return snapshot;
}

/**
 * Counts, per offer, the filters it fails (`fails`) and remembers the last one (`failed`). One tight loop
 * per filter over one column: no per-offer function calls, which is what makes 100k offers take ~1 ms.
 */
function markFailures(snapshot: OfferSnapshot, condition: SnapshotCondition, f: number, fails: Uint8Array, failed: Uint8Array): void {
  const { size } = snapshot;
  // Hot loops: the failure bookkeeping is written out in each rather than called.
  switch (condition.kind) {
    case "atLeast": {
      const column = snapshot[condition.column];
      const { value } = condition;
      // `!(x >= v)`: a NaN (a missing value) fails, as NULL does in SQL.
      for (let i = 0; i < size; i++) if (!(column[i]! >= value)) (fails[i]!++, (failed[i] = f));
      return;
    }
    case "oneOf": {
      const [codes, table] = condition.column === "gpuModel" ? [snapshot.gpuModelCode, snapshot.gpuModels] : [snapshot.regionCode, snapshot.regions];
      const allowed = new Uint8Array(table.length);
      for (const name of condition.values) {
        const index = table.indexOf(name);
        if (index >= 0) allowed[index] = 1;
      }
      for (let i = 0; i < size; i++) if (allowed[codes[i]!] === 0) (fails[i]!++, (failed[i] = f));
      return;
    }
    case "priceAtMost": {
      const { price, largePrices } = snapshot;
      if (condition.budget <= BigInt(Number.MAX_SAFE_INTEGER)) {
        // Doubles are exact up to 2^53, and prices above it are Infinity: over any such budget.
        const limit = Number(condition.budget);
        for (let i = 0; i < size; i++) if (!(price[i]! <= limit)) (fails[i]!++, (failed[i] = f));
      } else {
        for (const [i, exact] of largePrices) if (exact > condition.budget) (fails[i]!++, (failed[i] = f));
      }
      return;
    }
    case "bookable": {
      const { freeUnits, providerActive } = snapshot;
      const { units } = condition;
      for (let i = 0; i < size; i++) if (!(freeUnits[i]! >= units && providerActive[i] === 1)) (fails[i]!++, (failed[i] = f));
      return;
    }
  }
}

function sortedFacet(counts: Uint32Array, names: string[]): FacetCount[] {
  const facet: FacetCount[] = [];
  counts.forEach((count, index) => count > 0 && facet.push({ value: names[index]!, count }));
  return facet.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** Every count search needs: one pass per filter, then one to add up. */
export function countSnapshot(snapshot: OfferSnapshot, filters: SnapshotFilter[]): SnapshotCounts {
  if (filters.length > 255) throw new Error("countSnapshot: at most 255 filters");
  const fails = new Uint8Array(snapshot.size);
  const failed = new Uint8Array(snapshot.size);
  filters.forEach((filter, f) => markFailures(snapshot, filter.condition, f, fails, failed));
  const gpuIndex = filters.findIndex((filter) => filter.key === "gpu");
  const regionIndex = filters.findIndex((filter) => filter.key === "region");
  const byModel = new Uint32Array(snapshot.gpuModels.length);
  const byRegion = new Uint32Array(snapshot.regions.length);
  const failingAlone = new Uint32Array(filters.length);
  const { size, gpuModelCode, regionCode } = snapshot;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const failures = fails[i]!;
    if (failures === 0) {
      total++;
      byModel[gpuModelCode[i]!]!++;
      byRegion[regionCode[i]!]!++;
    } else if (failures === 1) {
      // Failing exactly one filter: counted where that filter is the one left out.
      const f = failed[i]!;
      failingAlone[f]!++;
      if (f === gpuIndex) byModel[gpuModelCode[i]!]!++;
      else if (f === regionIndex) byRegion[regionCode[i]!]!++;
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
