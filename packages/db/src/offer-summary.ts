/**
 * Supply and median price per GPU model (/api/stats, the home page) from the in-memory offer snapshot
 * (offer-list.ts), computed once per snapshot object, instead of a grouped percentile over every active
 * offer in PostgreSQL every few seconds: at a million offers that query kept PostgreSQL at ≈ 80 % of a
 * core while /api/stats was being asked, and the web process waited for the CPU (docs/benchmarks.md).
 *
 * The answer is the SQL's (search.ts marketSummary stays the reference and the fallback), field for
 * field: the median is percentile_cont(0.5) over the prices as float8, rounded half to even as
 * PostgreSQL's round(float8) does; models ordered by total GPUs, then by name in byte order.
 */
import { gpuModelById } from "@gridlease/sdk/gpus";
import type { ListSnapshot } from "./offer-list";
import { orderFor } from "./offer-page";
import type { ModelMarketSummary } from "./search";

/** Prices from here up are cast to numeric by PostgreSQL with 15 significant digits: only the SQL path spells them. */
const EXACT_TEXT_LIMIT = 1e15;

const summaries = new WeakMap<ListSnapshot, ModelMarketSummary[] | null>();

/** Round half to even, as C's rint (PostgreSQL's round(double precision)). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Byte order of UTF-8 strings (collation "C"): code point order. */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The per-model summary of `snapshot`'s offers, or null when only PostgreSQL can spell it exactly
 * (a price beyond 2^53 or 10^15 base units).
 */
export function snapshotMarketSummary(snapshot: ListSnapshot): ModelMarketSummary[] | null {
  if (summaries.has(snapshot)) return summaries.get(snapshot)!;
  const summary = computeSummary(snapshot);
  summaries.set(snapshot, summary);
  return summary;
}

function computeSummary(snapshot: ListSnapshot): ModelMarketSummary[] | null {
  if (!snapshot.listable || snapshot.largePrices.size > 0) return null;
  const models = snapshot.gpuModels.length;
  const offers = new Float64Array(models);
  const totalGpus = new Float64Array(models);
  const freeGpus = new Float64Array(models);
  for (let i = 0; i < snapshot.size; i++) {
    const m = snapshot.gpuModelCode[i]!;
    offers[m]!++;
    totalGpus[m]! += snapshot.gpuCount[i]!;
    freeGpus[m]! += snapshot.freeUnits[i]!;
  }
  // The median's two middle ranks per model (equal for an odd count), found walking the price order once.
  const seen = new Float64Array(models);
  const low = new Float64Array(models).fill(NaN);
  const high = new Float64Array(models).fill(NaN);
  const min = new Float64Array(models).fill(NaN);
  for (const i of orderFor(snapshot, "price")) {
    const m = snapshot.gpuModelCode[i]!;
    const price = snapshot.price[i]!;
    if (price >= EXACT_TEXT_LIMIT) return null;
    const rank = seen[m]!++;
    if (rank === 0) min[m] = price;
    if (rank === Math.floor((offers[m]! - 1) / 2)) low[m] = price;
    if (rank === Math.ceil((offers[m]! - 1) / 2)) high[m] = price;
  }
  const rows: ModelMarketSummary[] = [];
  for (let m = 0; m < models; m++) {
    if (offers[m] === 0) continue;
    const gpuModel = snapshot.gpuModels[m]!;
    rows.push({
      gpuModel,
      offers: offers[m]!,
      totalGpus: totalGpus[m]!,
      freeGpus: freeGpus[m]!,
      // percentile_cont: low + (high − low) · 0.5 (exact for integer prices below 2^52).
      medianPricePerGpuHour: String(roundHalfEven(low[m]! + (high[m]! - low[m]!) * 0.5)),
      minPricePerGpuHour: String(min[m]),
      gpuLabel: gpuModelById(gpuModel)?.label ?? null,
    });
  }
  return rows.sort((a, b) => b.totalGpus - a.totalGpus || compareCodePoints(a.gpuModel, b.gpuModel));
}
