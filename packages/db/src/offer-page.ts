/**
 * One page of the offer list from a ListSnapshot (offer-list.ts): the order PostgreSQL gives for
 * `order by <key> <dir>, offer_id <dir>` with the keyset cursor `(key, offer_id) >/< (value, id)`,
 * walked from the cursor's position (a binary search) until `want` offers pass every filter.
 */
import { gpuModelById } from "@gridlease/sdk/gpus";
import type pg from "pg";
import type { SnapshotFilter } from "./offer-facets";
import { walkPage } from "./offer-walk";
import { applyDelta, carryReliabilityOrders } from "./offer-delta";
import { loadListSnapshot, PROVIDER_SORTS, refreshLastSeen, reloadProviders, withOnlineAt, type ListSnapshot } from "./offer-list";
import type { OfferSearchHit } from "./search";
import type { SearchSort } from "./search-query";
import { dbEnv } from "./env";
import { GPU_CHECK_VALID_SECONDS } from "./gpu-checks";
import { splitChecksVersion, VerifiedColumns } from "./offer-verified";

const DIRECTION: Record<SearchSort, "asc" | "desc"> = { price: "asc", price_per_tflop: "asc", vram: "desc", reliability: "desc", newest: "desc", sla: "asc" };

function sortKey(snapshot: ListSnapshot, sort: SearchSort): Float64Array {
  switch (sort) {
    case "price":
      return snapshot.price;
    case "price_per_tflop":
      return snapshot.pricePerTflop;
    case "vram":
      return snapshot.vramGb;
    case "reliability":
      return snapshot.reliability;
    case "newest":
      return snapshot.offerId;
    case "sla":
      return snapshot.outagesSettled;
  }
}

/** Row comparison in `sort` order: the key, ties by offer id (rows are kept in offer id order, so by row index). */
export function compareRows(snapshot: ListSnapshot, sort: SearchSort): (a: number, b: number) => number {
  const key = sortKey(snapshot, sort);
  // Infinity - Infinity is NaN, which `||` turns into the row tie-break: equal keys, as in SQL.
  if (sort === "newest") return (a, b) => b - a;
  return DIRECTION[sort] === "asc" ? (a, b) => key[a]! - key[b]! || a - b : (a, b) => key[b]! - key[a]! || b - a;
}

/** Rows sorted by the sort key, ties by offer id. */
export function orderFor(snapshot: ListSnapshot, sort: SearchSort): Uint32Array {
  const cache = PROVIDER_SORTS.has(sort) ? snapshot.orders.reliability : snapshot.orders.rows;
  let order = cache.get(sort);
  if (order) return order;
  order = new Uint32Array(snapshot.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (sort === "newest") order.reverse();
  else order.sort(compareRows(snapshot, sort));
  cache.set(sort, order);
  return order;
}

const modelOrders = new WeakMap<Uint32Array, Map<number, Uint32Array>>();

/** The rows of one GPU model in `order`'s order; kept per order array, so a new order (update) gets new ones. */
function modelOrder(snapshot: ListSnapshot, order: Uint32Array, code: number): Uint32Array {
  let byModel = modelOrders.get(order);
  if (!byModel) modelOrders.set(order, (byModel = new Map()));
  let sub = byModel.get(code);
  if (!sub) {
    const { gpuModelCode } = snapshot;
    let n = 0;
    for (let p = 0; p < order.length; p++) if (gpuModelCode[order[p]!] === code) n++;
    sub = new Uint32Array(n);
    n = 0;
    for (let p = 0; p < order.length; p++) if (gpuModelCode[order[p]!] === code) sub[n++] = order[p]!;
    byModel.set(code, sub);
  }
  return sub;
}

const INTEGER_SORTS = new Set<SearchSort>(["price", "vram", "newest", "sla"]);

/** The cursor's key as a double, or null when only SQL can compare it exactly (its cast would round or fail). */
function cursorKey(sort: SearchSort, value: string): number | null {
  if (INTEGER_SORTS.has(sort)) {
    if (!/^-?\d+$/.test(value)) return null;
    const key = Number(value);
    // vram and sla are cast to SQL int: a value beyond it is left to PostgreSQL, whatever it answers.
    if (!Number.isSafeInteger(key) || ((sort === "vram" || sort === "sla") && Math.abs(key) > 2 ** 31 - 1)) return null;
    return key;
  }
  const key = Number(value);
  return Number.isFinite(key) || /^-?Infinity$/.test(value) ? key : null;
}

/** A search hit with the value it sorts by (the page's cursor is built from the last one). */
export interface SnapshotRow extends OfferSearchHit {
  sortValue: string;
}

/**
 * The rows (snapshot indices) of up to `want` offers passing `filters` in `sort` order after the
 * cursor, as search.ts's SQL returns them; null when the snapshot cannot answer exactly (the caller
 * asks PostgreSQL). hitAt builds a row's hit, offer-json.ts pushHitJson writes it as JSON.
 */
export function snapshotPageRows(
  snapshot: ListSnapshot,
  sort: SearchSort,
  filters: SnapshotFilter[],
  cursor: { value: string; offerId: string } | null,
  want: number,
): number[] | null {
  if (!snapshot.listable) return null;
  const order = orderFor(snapshot, sort);
  const key = sortKey(snapshot, sort);
  let after: ((order: Uint32Array) => number) | null = null;
  if (cursor) {
    const value = cursorKey(sort, cursor.value);
    const id = Number(cursor.offerId);
    if (value === null || !Number.isSafeInteger(id)) return null;
    const asc = DIRECTION[sort] === "asc";
    // First position strictly after (value, id) in the walk's direction; everything before it is not.
    after = (order) => {
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const i = order[mid]!;
        const k = key[i]!;
        const past = asc ? k > value || (k === value && snapshot.offerId[i]! > id) : k < value || (k === value && snapshot.offerId[i]! < id);
        if (past) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
  }
  // In price order a budget ends the walk: no offer after the first one above it can pass (the walk
  // would otherwise visit every remaining offer whenever fewer than `want` are within the budget). Only
  // for budgets the doubles hold exactly; prices above 2^53 are Infinity and sort last.
  const budget = sort === "price" ? filters.find((f) => f.key === "maxPricePerGpuHour") : undefined;
  const priceLimit = budget?.key === "maxPricePerGpuHour" && budget.budget <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(budget.budget) : undefined;
  const end = (order: Uint32Array) => {
    if (priceLimit === undefined) return order.length;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key[order[mid]!]! > priceLimit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const start = (order: Uint32Array) => (after ? after(order) : 0);
  let out: number[] = [];
  const gpu = filters.find((f) => f.key === "gpu");
  if (gpu && gpu.key === "gpu") {
    // One walk per model over that model's rows only (a model's offers can sit far down another
    // model-mixed order), then the first `want` of their union in sort order.
    for (const name of gpu.values) {
      const code = snapshot.codes.models.byName.get(name);
      if (code === undefined) continue;
      const sub = modelOrder(snapshot, order, code);
      const found: number[] = []; // the walk stops at `want` found, so each model has its own
      walkPage(snapshot, sub, filters, start, end, want, found);
      out.push(...found);
    }
    if (gpu.values.length > 1) out = out.sort(compareRows(snapshot, sort)).slice(0, want);
  } else {
    walkPage(snapshot, order, filters, start, end, want, out);
  }
  return out;
}

/** The value row `i` sorts by under `sort`, as the SQL path's `sortValue` (the cursor is built from it). */
export function sortValueAt(snapshot: ListSnapshot, sort: SearchSort, i: number): string {
  return String(sortKey(snapshot, sort)[i]);
}

/** Checks before this time (ms) no longer verify an offer: the badge and the filter compare with it at query time. */
export function verifiedSinceNow(): number {
  return Date.now() - GPU_CHECK_VALID_SECONDS * 1000;
}

/** Row `i` as search.ts's SQL path returns a hit (after normalizeHit), with its sort value. */
export function hitAt(snapshot: ListSnapshot, sort: SearchSort, i: number, verifiedSince: number): SnapshotRow {
  const { providers } = snapshot;
  const p = snapshot.providerCode[i]!;
  const lastSeen = providers.lastSeen[p]!;
  const uptime = providers.uptime7d[p]!;
  return {
    offerId: String(snapshot.offerId[i]),
    provider: providers.addresses[p]!,
    gpuModel: snapshot.gpuModels[snapshot.gpuModelCode[i]!]!,
    gpuCount: snapshot.gpuCount[i]!,
    freeUnits: snapshot.freeUnits[i]!,
    vramGb: snapshot.vramGb[i]!,
    cpuCores: snapshot.cpuCores[i]!,
    ramGb: snapshot.ramGb[i]!,
    diskGb: snapshot.diskGb[i]!,
    bandwidthMbps: snapshot.bandwidthMbps[i]!,
    region: snapshot.regions[snapshot.regionCode[i]!]!,
    pricePerGpuHour: String(snapshot.price[i]),
    pricePerTflop: Number.isFinite(snapshot.pricePerTflop[i]) ? snapshot.pricePerTflop[i]! : null,
    minHours: snapshot.minHours[i]!,
    maxHours: snapshot.maxHours[i]!,
    status: "Active",
    listedBlock: String(snapshot.listedBlock[i]),
    providerReliability: snapshot.reliability[i]!,
    providerUptime7d: Number.isNaN(uptime) ? null : uptime,
    providerLastHeartbeatAt: Number.isNaN(lastSeen) ? null : new Date(lastSeen).toISOString(),
    providerOnline: snapshot.online[i] === 1,
    providerOutagesSettled: snapshot.outagesSettled[i]!,
    verifiedAt: snapshot.verifiedAt[i]! >= verifiedSince ? new Date(snapshot.verifiedAt[i]!).toISOString() : null,
    // As search.ts normalizeHit gives SQL rows (label last, as JSON shows it), without its per-hit lookups.
    gpuLabel: gpuLabels(snapshot)[snapshot.gpuModelCode[i]!]!,
    sortValue: sortValueAt(snapshot, sort, i),
  };
}

/** snapshotPageRows as hits. */
export function snapshotPage(
  snapshot: ListSnapshot,
  sort: SearchSort,
  filters: SnapshotFilter[],
  cursor: { value: string; offerId: string } | null,
  want: number,
): SnapshotRow[] | null {
  const verifiedSince = verifiedSinceNow();
  return snapshotPageRows(snapshot, sort, filters, cursor, want)?.map((i) => hitAt(snapshot, sort, i, verifiedSince)) ?? null;
}

const labels = new WeakMap<string[], (string | null)[]>();

/** GPU model labels by model code (the code table only grows, so a longer table gets a new list). */
export function gpuLabels(snapshot: ListSnapshot): (string | null)[] {
  let list = labels.get(snapshot.gpuModels);
  if (!list || list.length !== snapshot.gpuModels.length)
    labels.set(snapshot.gpuModels, (list = snapshot.gpuModels.map((id) => gpuModelById(id)?.label ?? null)));
  return list;
}

/** How often last seen times are re-read (a beat moves them without a new data version). */
const LAST_SEEN_REFRESH_MS = dbEnv().SEARCH_LAST_SEEN_REFRESH_MS;
/** Re-read beats this far before the last read too: a beat may commit a little after its recorded time. */
const LAST_SEEN_OVERLAP_MS = 10_000;

interface ChainEntry {
  version: string;
  /** The indexer part of the version: while it stays, the offer rows stay and only providers are re-read. */
  offersKey: string;
  snapshot: Promise<ListSnapshot>;
  latest?: ListSnapshot;
  lastSeenSince: number;
  lastSeenCheckedAt: number;
  /** The version's online count when last seen times were last read in full. */
  onlineCount: string;
  refreshing?: Promise<void>;
}

/**
 * The latest list snapshot per chain. A new indexer data version reloads every offer; a heartbeat-only
 * change (uptime, online count) re-reads the providers and keeps the offer rows and their sort orders.
 * Concurrent searches at one version share one load; a failed load is not kept.
 */
export class ListSnapshots {
  private readonly byChain = new Map<number, ChainEntry>();
  /** Proof of GPU: the verified column, laid over the returned snapshot (offer-verified.ts). */
  private readonly verified = new VerifiedColumns();
  /** Loads of each kind and the last one's duration in ms (read by the benchmark and the tests). */
  readonly loads = { full: 0, delta: 0, providers: 0, fullMs: NaN, deltaMs: NaN, providersMs: NaN };

  async get(db: pg.Pool, chainId: number, fullVersion: string): Promise<ListSnapshot> {
    const { rows: dataVersion, checks } = splitChecksVersion(fullVersion);
    // The version's last part counts online providers (searchDataVersion): it moves when one goes
    // silent, with no data written. The snapshot evaluates online at query time, so that alone needs no reload.
    const version = dataVersion.replace(/\/\d+$/, "");
    const onlineCount = dataVersion.slice(version.length);
    let entry = this.byChain.get(chainId);
    if (!entry || entry.version !== version) {
      const offersKey = version.split("/")[0]!;
      const started = performance.now();
      const previous = entry;
      const timed = (kind: "full" | "delta" | "providers") => (s: ListSnapshot) => {
        this.loads[kind]++;
        this.loads[`${kind}Ms`] = performance.now() - started;
        return s;
      };
      const full = () => loadListSnapshot(db, chainId).then(timed("full"));
      let snapshot: Promise<ListSnapshot>;
      if (!previous) snapshot = full();
      else if (previous.offersKey === offersKey) {
        snapshot = previous.snapshot
          .then(async (s) => {
            const next = await reloadProviders(db, chainId, s);
            carryReliabilityOrders(s, next);
            return next;
          })
          .then(timed("providers"), full);
      } else {
        // The indexer moved: apply what changed since the previous snapshot's block (a full reload when that is not exact).
        const heartbeatsToo = version.slice(offersKey.length) !== previous.version.slice(previous.offersKey.length);
        snapshot = previous.snapshot.then((s) => applyDelta(db, chainId, s, heartbeatsToo)).then((s) => (s ? timed("delta")(s) : full()), full);
      }
      const fresh: ChainEntry = { version, offersKey, snapshot, lastSeenSince: Date.now() - LAST_SEEN_OVERLAP_MS, lastSeenCheckedAt: 0, onlineCount };
      entry = fresh;
      this.byChain.set(chainId, fresh);
      snapshot.catch(() => {
        if (this.byChain.get(chainId) === fresh) this.byChain.delete(chainId);
      });
    }
    const base = await entry.snapshot;
    // Time alone takes providers offline (evaluated below), so a new online count usually needs nothing;
    // but a last seen moved back (an edit, not a beat) only shows there: then every last seen is re-read.
    const allLastSeen = entry.onlineCount !== onlineCount;
    if (allLastSeen || Date.now() - entry.lastSeenCheckedAt >= LAST_SEEN_REFRESH_MS) {
      const current = entry;
      if (allLastSeen) await current.refreshing;
      current.onlineCount = onlineCount;
      current.refreshing ??= refreshLastSeen(db, chainId, base.providers, allLastSeen ? null : current.lastSeenSince)
        .then((dbNow) => {
          current.lastSeenSince = dbNow - LAST_SEEN_OVERLAP_MS;
          current.lastSeenCheckedAt = Date.now();
        })
        .finally(() => (current.refreshing = undefined));
      await current.refreshing;
    }
    entry.latest = withOnlineAt(entry.latest ?? base, Date.now());
    return this.verified.apply(db, chainId, checks, entry.latest);
  }

  clear(): void {
    this.byChain.clear();
    this.verified.clear();
  }
}

/** Bytes the snapshot's arrays hold (sort orders included) and an estimate for its strings. */
export function snapshotBytes(snapshot: ListSnapshot): number {
  let bytes = 0;
  for (const value of Object.values(snapshot)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  for (const value of Object.values(snapshot.providers)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  for (const order of [...snapshot.orders.rows.values(), ...snapshot.orders.reliability.values()]) {
    bytes += order.byteLength;
    for (const sub of modelOrders.get(order)?.values() ?? []) bytes += sub.byteLength;
  }
  bytes += snapshot.providers.addresses.length * 120; // a 42-character address string and its map entry
  return bytes;
}
