/**
 * Incremental snapshot updates: the offers (and providers) the indexer changed after the block a
 * snapshot was read at, merged into a copy of it, instead of re-reading every offer. At 1M offers a
 * full reload reads ~1M rows and re-sorts every order (seconds); a price update changes one row.
 *
 * Every indexer write sets the row's updated_block to the block of the event, in the same transaction
 * as the cursor (apps/indexer/src/store.ts), so "changed since block B" is `updated_block > B` as long
 * as block B is still canonical. A rollback past B restores prior images whose updated_block is older
 * than B, which that test cannot see: when B is no longer the indexer's block (the cursor went back,
 * or indexed_block holds another hash for it and it is not final) the caller reloads in full.
 */
import type pg from "pg";
import {
  applyProviders,
  copyProviders,
  databaseNow,
  emptySnapshot,
  OFFER_SELECT,
  ACTIVE_OFFER,
  readIndexedAt,
  readProviders,
  setRow,
  type CodeTable,
  type ListSnapshot,
} from "./offer-list";
import { compareRows } from "./offer-page";
import { inTransaction } from "./transaction";

/** Per-offer columns copied as they are (provider-derived ones are recomputed by applyProviders). */
const COPIED = [
  "gpuModelCode",
  "regionCode",
  "gpuCount",
  "vramGb",
  "cpuCores",
  "ramGb",
  "diskGb",
  "bandwidthMbps",
  "price",
  "freeUnits",
  "offerId",
  "providerCode",
  "pricePerTflop",
  "minHours",
  "maxHours",
  "listedBlock",
] as const;

/** The row column each sort of the offer rows orders by (newest: the row order itself, which is offer id order). */
const SORT_COLUMN: Record<string, (typeof COPIED)[number] | null | undefined> = {
  price: "price",
  price_per_tflop: "pricePerTflop",
  vram: "vramGb",
  newest: null,
};

/**
 * `old` with the changed rows written over their own positions, for a batch that neither adds nor
 * removes an active offer nor names a new provider, model or region (a price, free units, a spec
 * changed): a column no changed row differs in is shared with `old` rather than copied (snapshot
 * columns are never written once built), so a price update at 1M offers copies one column, not
 * sixteen (≈ 0.4 s). Returns null when the batch is not of that kind. `changed` receives the columns
 * that were copied.
 */
function overwriteInPlace(
  old: ListSnapshot,
  removed: number[],
  added: string[][],
  addedAt: Int32Array,
  now: ListSnapshot["indexedAt"],
  changed: Set<string>,
): ListSnapshot | null {
  if (added.length !== removed.length || addedAt.some((at, n) => at !== removed[n])) return null;
  const { models, regions } = old.codes;
  if (added.some((row) => !old.providers.byAddress.has(row[1]!) || !models.byName.has(row[2]!) || !regions.byName.has(row[3]!))) return null;
  // Each changed row decoded alone (setRow's checks included), against the same code tables (no new names, so nothing is added to them).
  const rows = added.map((row) => {
    const one = emptySnapshot(1, old.codes, now);
    setRow(one, 0, row, { list: old.providers.addresses, byName: old.providers.byAddress });
    return one;
  });
  if (rows.some((one) => !one.listable)) return null;
  const next: ListSnapshot = { ...old, indexedAt: now, largePrices: new Map(), orders: { rows: new Map(), reliability: new Map() } };
  for (const column of COPIED) {
    const differs = rows.some((one, n) => !Object.is(one[column][0], old[column][removed[n]!]));
    if (!differs) continue;
    changed.add(column);
    const copy = old[column].slice();
    rows.forEach((one, n) => {
      copy[removed[n]!] = one[column][0]!;
    });
    (next as unknown as Record<string, unknown>)[column] = copy;
  }
  return next;
}

/** First index in sorted `values[0..size)` not below `value`. */
function lowerBound(values: Float64Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An old sort order with removed rows dropped, kept rows renumbered and `addedAt` rows inserted where `compare` puts them. */
function mergeOrder(order: Uint32Array, oldToNew: Int32Array, addedAt: Int32Array, compare: (a: number, b: number) => number): Uint32Array {
  const kept = new Uint32Array(order.length);
  let n = 0;
  for (let p = 0; p < order.length; p++) {
    const to = oldToNew[order[p]!]!;
    if (to >= 0) kept[n++] = to;
  }
  const fresh = Uint32Array.from(addedAt).sort(compare);
  const merged = new Uint32Array(n + fresh.length);
  let from = 0;
  let dest = 0;
  for (const row of fresh) {
    // Binary search in the kept rows for the first one after `row`.
    let lo = from;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(kept[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    merged.set(kept.subarray(from, lo), dest);
    dest += lo - from;
    from = lo;
    merged[dest++] = row;
  }
  merged.set(kept.subarray(from, n), dest);
  return merged;
}

/** The provider column behind each sort by a provider column (offer-list.ts PROVIDER_SORTS). */
const PROVIDER_SORT_COLUMNS = { reliability: "reliability", sla: "outagesSettled" } as const;

/**
 * Carries `old`'s sort orders by a provider column (reliability, settled outages) over to `next`
 * (same offers renumbered by `oldToNew`, plus `addedAt`): the offers of providers whose value moved
 * are taken out and merged back in at their new place, O(offers) instead of a re-sort (≈ 0.5 s at 1M
 * offers, on the event loop). When most providers moved, the order is left to be re-sorted on first use.
 */
export function carryReliabilityOrders(old: ListSnapshot, next: ListSnapshot, oldToNew?: Int32Array, addedAt: Int32Array = new Int32Array(0)): void {
  for (const [sort, column] of Object.entries(PROVIDER_SORT_COLUMNS) as [keyof typeof PROVIDER_SORT_COLUMNS, "reliability" | "outagesSettled"][]) {
    const order = old.orders.reliability.get(sort);
    if (!order) continue;
    const before = old.providers[column];
    const after = next.providers[column];
    const moved = new Uint8Array(before.length);
    let movedCount = 0;
    before.forEach((value, code) => {
      if (!Object.is(value, after[code])) {
        moved[code] = 1;
        movedCount++;
      }
    });
    if (movedCount * 10 > moved.length) continue;
    if (movedCount === 0 && !oldToNew) {
      next.orders.reliability.set(sort, order); // same rows, same keys
      continue;
    }
    const renumber = new Int32Array(old.size);
    const again: number[] = [...addedAt];
    for (let i = 0; i < old.size; i++) {
      const to = oldToNew ? oldToNew[i]! : i;
      if (to >= 0 && moved[old.providerCode[i]!] === 1) {
        renumber[i] = -1;
        again.push(to);
      } else renumber[i] = to;
    }
    next.orders.reliability.set(sort, mergeOrder(order, renumber, Int32Array.from(again), compareRows(next, sort)));
  }
}

/** Is block `block` (hash `hash`) still on the indexer's chain? */
async function stillCanonical(client: pg.PoolClient, chainId: number, block: string, hash: string, now: { block: string; hash: string }): Promise<boolean> {
  if (BigInt(now.block) < BigInt(block)) return false;
  if (now.block === block) return now.hash === hash;
  const stored = await client.query<{ hash: string }>("select hash from indexed_block where chain_id = $1 and number = $2", [chainId, block]);
  if (stored.rows[0]) return stored.rows[0].hash === hash;
  const cursor = await client.query<{ final: boolean }>("select finalized_block >= $2::bigint as final from indexer_cursor where chain_id = $1", [
    chainId,
    block,
  ]);
  return cursor.rows[0]?.final === true;
}

/**
 * `old` with the changes since its block applied, or null when only a full reload is exact (no
 * cursor, a rollback, a value the snapshot cannot hold). `allProviders`: heartbeat data changed as
 * well, so every provider is re-read, not only those the indexer touched.
 */
export async function applyDelta(db: pg.Pool, chainId: number, old: ListSnapshot, allProviders: boolean): Promise<ListSnapshot | null> {
  if (!old.indexedAt || !old.listable) return null;
  const since = old.indexedAt;
  // Read-only: an early `return null` commits nothing, so inTransaction's commit ends it like a rollback.
  return inTransaction(
    db,
    async (client) => {
      const now = await readIndexedAt(client, chainId);
      if (!now || !(await stillCanonical(client, chainId, since.block, since.hash, now))) return null;
      const { rows } = await client.query<string[]>({
        text: `select ${OFFER_SELECT}, (${ACTIVE_OFFER})::text from offer o where o.chain_id = $1 and o.updated_block > $2::bigint order by o.offer_id`,
        values: [chainId, since.block],
        rowMode: "array",
      });
      // Old rows whose offer changed (found by id: rows are in id order), and the changed offers still active.
      const removed: number[] = [];
      const added: string[][] = [];
      for (const row of rows) {
        const id = Number(row[0]);
        if (!Number.isSafeInteger(id)) return null;
        const at = lowerBound(old.offerId, old.size, id);
        if (at < old.size && old.offerId[at] === id) removed.push(at);
        if (row[16] === "true") added.push(row);
      }
      // Where every row lands in the new id order; kept rows move in contiguous runs (copied as blocks).
      const oldToNew = new Int32Array(old.size).fill(-1);
      const addedAt = new Int32Array(added.length);
      const runs: { from: number; to: number; dest: number }[] = [];
      let k = 0;
      let j = 0;
      let r = 0;
      let run: { from: number; to: number; dest: number } | null = null;
      for (let i = 0; i < old.size; i++) {
        const id = old.offerId[i]!;
        while (j < added.length && Number(added[j]![0]) < id) {
          addedAt[j++] = k++;
          run = null;
        }
        if (r < removed.length && removed[r] === i) {
          r++;
          run = null;
          continue;
        }
        if (!run) runs.push((run = { from: i, to: i, dest: k }));
        run.to = i + 1;
        oldToNew[i] = k++;
      }
      while (j < added.length) addedAt[j++] = k++;
      const changedColumns = new Set<string>();
      const inPlace = overwriteInPlace(old, removed, added, addedAt, now, changedColumns);
      let next: ListSnapshot;
      let providerNames: CodeTable;
      if (inPlace) {
        next = inPlace;
        providerNames = { list: old.providers.addresses, byName: old.providers.byAddress };
      } else {
        const copyTable = (t: CodeTable): CodeTable => ({ list: [...t.list], byName: new Map(t.byName) });
        next = emptySnapshot(k, { models: copyTable(old.codes.models), regions: copyTable(old.codes.regions) }, now);
        for (const column of COPIED) {
          const from = old[column];
          const to = next[column];
          for (const { from: a, to: b, dest } of runs) to.set(from.subarray(a, b) as never, dest);
        }
        providerNames = copyTable({ list: old.providers.addresses, byName: old.providers.byAddress });
        added.forEach((row, n) => {
          setRow(next, addedAt[n]!, row, providerNames);
        });
        if (!next.listable) return null;
      }
      // Providers: the old columns, grown for new ones, then re-read where the indexer (or heartbeats) changed them.
      const providers = copyProviders(old.providers, providerNames.list, providerNames.byName);
      const readAt = await databaseNow(client);
      if (allProviders || providerNames.list.length > old.providers.addresses.length) await readProviders(client, chainId, providers);
      else await readProviders(client, chainId, providers, { afterBlock: since.block });
      const result = applyProviders(next, providers);
      result.providersReadAt = allProviders || providerNames.list.length > old.providers.addresses.length ? readAt : old.providersReadAt;
      // Sort orders built so far: the kept rows keep their relative order; the new ones are merged in.
      // Reliability's too, unless a provider's reliability moved (then it is re-sorted on first use).
      // Written in place: an order whose key no changed row moved is the same order, and keeps its
      // per-model orders (offer-page.ts modelOrder, kept per order array) unless a row's model changed.
      for (const [sort, order] of old.orders.rows) {
        const column = SORT_COLUMN[sort];
        const unchanged = inPlace && !changedColumns.has("gpuModelCode") && column !== undefined && (column === null || !changedColumns.has(column));
        result.orders.rows.set(sort, unchanged ? order : mergeOrder(order, oldToNew, addedAt, compareRows(result, sort)));
      }
      carryReliabilityOrders(old, result, oldToNew, addedAt);
      return result;
    },
    "begin isolation level repeatable read read only",
  );
}
