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
import { applyProviders, emptyProviders, emptySnapshot, OFFER_SELECT, ACTIVE_OFFER, readIndexedAt, readProviders, setRow, type CodeTable, type ListSnapshot } from "./offer-list";
import { compareRows } from "./offer-page";

/** Per-offer columns copied as they are (provider-derived ones are recomputed by applyProviders). */
const COPIED = ["gpuModelCode", "regionCode", "gpuCount", "vramGb", "cpuCores", "ramGb", "diskGb", "bandwidthMbps", "price", "freeUnits",
  "offerId", "providerCode", "pricePerTflop", "minHours", "maxHours", "listedBlock"] as const;

/** Is block `block` (hash `hash`) still on the indexer's chain? */
async function stillCanonical(client: pg.PoolClient, chainId: number, block: string, hash: string, now: { block: string; hash: string }): Promise<boolean> {
  if (BigInt(now.block) < BigInt(block)) return false;
  if (now.block === block) return now.hash === hash;
  const stored = await client.query<{ hash: string }>("select hash from indexed_block where chain_id = $1 and number = $2", [chainId, block]);
  if (stored.rows[0]) return stored.rows[0].hash === hash;
  const cursor = await client.query<{ final: boolean }>("select finalized_block >= $2::bigint as final from indexer_cursor where chain_id = $1", [chainId, block]);
  return cursor.rows[0]?.final === true;
}

/**
 * `old` with the changes since its block applied, or null when only a full reload is exact (no
 * cursor, a rollback, a value the snapshot cannot hold). `allProviders`: heartbeat data changed as
 * well, so every provider is re-read, not only those the indexer touched.
 */
export async function applyDelta(db: pg.Pool, chainId: number, old: ListSnapshot, allProviders: boolean): Promise<ListSnapshot | null> {
  if (!old.indexedAt || !old.listable) return null;
  const client = await db.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const now = await readIndexedAt(client, chainId);
    if (!now || !(await stillCanonical(client, chainId, old.indexedAt.block, old.indexedAt.hash, now))) return null;
    const { rows } = await client.query<string[]>({
      text: `select ${OFFER_SELECT}, (${ACTIVE_OFFER})::text from offer o where o.chain_id = $1 and o.updated_block > $2::bigint order by o.offer_id`,
      values: [chainId, old.indexedAt.block],
      rowMode: "array",
    });
    const changed = new Set<number>();
    const added: string[][] = [];
    for (const row of rows) {
      const id = Number(row[0]);
      if (!Number.isSafeInteger(id)) return null;
      changed.add(id);
      if (row[16] === "true") added.push(row);
    }
    // Old rows that stay, and where every row lands in the new id order.
    const oldToNew = new Int32Array(old.size).fill(-1);
    const addedAt = new Int32Array(added.length);
    let k = 0;
    let j = 0;
    for (let i = 0; i < old.size; i++) {
      const id = old.offerId[i]!;
      while (j < added.length && Number(added[j]![0]) < id) addedAt[j++] = k++;
      if (!changed.has(id)) oldToNew[i] = k++;
    }
    while (j < added.length) addedAt[j++] = k++;
    const copyTable = (t: CodeTable): CodeTable => ({ list: [...t.list], byName: new Map(t.byName) });
    const next = emptySnapshot(k, { models: copyTable(old.codes.models), regions: copyTable(old.codes.regions) }, now);
    for (const column of COPIED) {
      const from = old[column];
      const to = next[column];
      for (let i = 0; i < old.size; i++) if (oldToNew[i]! >= 0) to[oldToNew[i]!] = from[i]!;
    }
    const providerNames = copyTable({ list: old.providers.addresses, byName: old.providers.byAddress });
    added.forEach((row, n) => setRow(next, addedAt[n]!, row, providerNames));
    if (!next.listable) return null;
    // Providers: the old columns, grown for new ones, then re-read where the indexer (or heartbeats) changed them.
    const providers = emptyProviders(providerNames.list, providerNames.byName);
    providers.reliability.set(old.providers.reliability);
    providers.active.set(old.providers.active);
    providers.uptime7d.set(old.providers.uptime7d);
    providers.lastSeen.set(old.providers.lastSeen);
    if (allProviders || providerNames.list.length > old.providers.addresses.length) await readProviders(client, chainId, providers);
    else await readProviders(client, chainId, providers, old.indexedAt.block);
    await client.query("commit");
    // Sort orders built so far: the kept rows keep their relative order; the new ones are merged in.
    for (const [sort, order] of old.orders.rows) {
      const compare = compareRows(next, sort);
      const kept = new Uint32Array(next.size - added.length);
      let n = 0;
      for (let p = 0; p < order.length; p++) if (oldToNew[order[p]!]! >= 0) kept[n++] = oldToNew[order[p]!]!;
      const fresh = Uint32Array.from(addedAt).sort(compare);
      const merged = new Uint32Array(next.size);
      let a = 0;
      let b = 0;
      for (let p = 0; p < merged.length; p++) merged[p] = b >= fresh.length || (a < kept.length && compare(kept[a]!, fresh[b]!) < 0) ? kept[a++]! : fresh[b++]!;
      next.orders.rows.set(sort, merged);
    }
    return applyProviders(next, providers);
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    // An early `return null` leaves the read-only transaction open: end it before the client goes back.
    await client.query("rollback").catch(() => undefined);
    client.release();
  }
}
