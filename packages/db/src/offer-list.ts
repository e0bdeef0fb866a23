/**
 * The offer list (filter, sort, cursor page) answered from an in-memory snapshot of active offers.
 *
 * The columns the counts need (offer-facets.ts) plus what a hit shows, held as typed arrays, with one
 * sorted index array per sort key built on first use. A page walks that order from the cursor's
 * position and stops at `limit + 1` matches, testing the same filter conditions as the counts. That
 * replaces a PostgreSQL query per new search (69 ms p50 at 100k offers under load, docs/benchmarks.md).
 * PostgreSQL stays the source of truth: the snapshot is reloaded when the search data version moves,
 * and search.ts falls back to SQL for anything the snapshot cannot answer exactly (values beyond
 * 2^53, NaN prices per TFLOP, hand-made cursors that are not plain numbers).
 *
 * Online-ness changes with time and with heartbeats that deliberately leave the data version alone
 * (search.ts searchDataVersion), so the snapshot keeps each provider's last seen time, re-reads the
 * ones that moved at most once per LAST_SEEN_REFRESH_MS, and evaluates "online" at query time.
 */
import type pg from "pg";
import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import type { OfferSnapshot } from "./offer-facets";
import { copyOfferRows } from "./offer-copy";
import type { SearchSort } from "./search-query";
import { inTransaction } from "./transaction";

/** Providers of the snapshot's offers, by code (`providerCode` of an offer). */
export interface ProviderColumns {
  addresses: string[];
  byAddress: Map<string, number>;
  reliability: Float64Array;
  active: Uint8Array;
  uptime7d: Float64Array;
  /** Last seen, ms since epoch; NaN when the provider never beat. Moved in place by refreshLastSeen. */
  lastSeen: Float64Array;
  /** Settled outage reports (SLA history); the indexer bumps the provider's updated_block with them, so deltas re-read it. */
  outagesSettled: Float64Array;
  /** Bumped whenever refreshLastSeen moves a last seen time. */
  lastSeenMoves: number;
}

export interface ListSnapshot extends OfferSnapshot {
  offerId: Float64Array;
  providerCode: Uint32Array;
  pricePerTflop: Float64Array;
  minHours: Float64Array;
  maxHours: Float64Array;
  listedBlock: Float64Array;
  providers: ProviderColumns;
  /** Per provider: whether it counted as online when `online` (per offer) was computed. */
  providerOnline: Uint8Array;
  /** `online` holds until this time (the first online provider's last seen + the window) unless last seen moves. */
  onlineValid: { until: number; moves: number };
  /** False when a value is not exactly a double (ids or prices beyond 2^53, NaN): the list then comes from SQL. */
  listable: boolean;
  /** Name tables behind gpuModelCode / regionCode (offer-delta.ts adds names). */
  codes: { models: CodeTable; regions: CodeTable };
  /** Database time the providers were read at: reloadProviders re-reads uptime rows changed after it. */
  providersReadAt: number;
  /** The indexer cursor the rows were read at (same transaction): offer-delta.ts reads what changed after it. */
  indexedAt: { block: string; hash: string } | null;
  /**
   * Sorted row orders by sort key, built on first use; shared by snapshots with the same rows. The
   * sorts by a provider column (PROVIDER_SORTS) are kept apart: they also need the same providers.
   */
  orders: { rows: Map<SearchSort, Uint32Array>; reliability: Map<SearchSort, Uint32Array> };
}

/** Sorts by a provider's column (its row can change with no offer row changing): their orders live in `orders.reliability`. */
export const PROVIDER_SORTS = new Set<SearchSort>(["reliability", "sla"]);

export interface CodeTable {
  list: string[];
  byName: Map<string, number>;
}

export function codeOf(table: CodeTable, name: string): number {
  let value = table.byName.get(name);
  if (value === undefined) table.byName.set(name, (value = table.list.push(name) - 1));
  return value;
}

/** The offer columns a snapshot row is read from, in the order setRow takes them. */
export const OFFER_SELECT = `o.offer_id::text, o.provider, o.gpu_model, o.region, o.gpu_count::text, o.vram_gb::text, o.cpu_cores::text, o.ram_gb::text,
  o.disk_gb::text, o.bandwidth_mbps::text, o.price_per_gpu_hour::text, o.free_units::text, o.price_per_tflop::text,
  o.min_hours::text, o.max_hours::text, o.listed_block::text`;

/** Active offers whose provider row exists (search joins providers). */
export const ACTIVE_OFFER = `o.status = 'Active' and exists (select 1 from provider p where p.chain_id = o.chain_id and p.address = o.provider)`;

/** Stores one OFFER_SELECT row at index `i`; clears `listable` for a value a double does not hold exactly. */
export function setRow(s: ListSnapshot, i: number, row: string[], providerNames: CodeTable): void {
  const exact = (text: string) => {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value;
    s.listable = false;
    return Infinity; // beyond 2^53 (never a real spec) passes every minimum; prices there are exact in largePrices
  };
  s.offerId[i] = exact(row[0]!);
  s.providerCode[i] = codeOf(providerNames, row[1]!);
  s.gpuModelCode[i] = codeOf(s.codes.models, row[2]!);
  s.regionCode[i] = codeOf(s.codes.regions, row[3]!);
  s.gpuCount[i] = exact(row[4]!);
  s.vramGb[i] = exact(row[5]!);
  s.cpuCores[i] = exact(row[6]!);
  s.ramGb[i] = exact(row[7]!);
  s.diskGb[i] = exact(row[8]!);
  s.bandwidthMbps[i] = exact(row[9]!);
  s.price[i] = exact(row[10]!);
  if (s.price[i] === Infinity) s.largePrices.set(i, BigInt(row[10]!));
  s.freeUnits[i] = exact(row[11]!);
  s.pricePerTflop[i] = Number(row[12]);
  if (Number.isNaN(s.pricePerTflop[i])) s.listable = false; // NaN sorts last in PostgreSQL, and compares with nothing here
  s.minHours[i] = exact(row[13]!);
  s.maxHours[i] = exact(row[14]!);
  s.listedBlock[i] = exact(row[15]!);
}

/** An empty snapshot of `size` rows over the given name tables. */
export function emptySnapshot(size: number, codes: ListSnapshot["codes"], indexedAt: ListSnapshot["indexedAt"]): ListSnapshot {
  const f64 = () => new Float64Array(size);
  return {
    size,
    gpuModelCode: new Uint16Array(size),
    regionCode: new Uint16Array(size),
    gpuModels: codes.models.list,
    regions: codes.regions.list,
    gpuCount: f64(),
    vramGb: f64(),
    cpuCores: f64(),
    ramGb: f64(),
    diskGb: f64(),
    bandwidthMbps: f64(),
    price: f64(),
    largePrices: new Map(),
    freeUnits: f64(),
    reliability: f64(),
    providerActive: new Uint8Array(size),
    online: new Uint8Array(size),
    outagesSettled: f64(),
    verifiedAt: f64().fill(NaN),
    offerId: f64(),
    providerCode: new Uint32Array(size),
    pricePerTflop: f64(),
    minHours: f64(),
    maxHours: f64(),
    listedBlock: f64(),
    providers: emptyProviders([], new Map()),
    providerOnline: new Uint8Array(0),
    onlineValid: { until: -Infinity, moves: -1 },
    listable: true,
    orders: { rows: new Map(), reliability: new Map() },
    codes,
    indexedAt,
    providersReadAt: -Infinity,
  };
}

/** The indexer cursor of a chain as the snapshot records it. */
export async function readIndexedAt(client: pg.PoolClient, chainId: number): Promise<ListSnapshot["indexedAt"]> {
  const { rows } = await client.query<{ block: string; hash: string }>(
    "select block_number::text as block, block_hash as hash from indexer_cursor where chain_id = $1",
    [chainId],
  );
  return rows[0] ?? null;
}

/**
 * Reads the providers of chain `chainId` into `providers` (by `byAddress`; others are skipped): all of
 * them, those the indexer changed after a block, or those whose uptime row (heartbeats, uptime refresh:
 * they recompute reliability in the same transaction) changed after a time.
 */
export async function readProviders(
  client: pg.PoolClient | pg.Pool,
  chainId: number,
  providers: ProviderColumns,
  changed?: { afterBlock: string } | { uptimeAfterMs: number },
): Promise<void> {
  const condition = !changed ? "" : "afterBlock" in changed ? "and p.updated_block > $2::bigint" : "and u.updated_at > to_timestamp($2::float8 / 1000)";
  const { rows } = await client.query<string[]>({
    text: `select p.address, p.reliability::text, (p.status = 'Active')::text, u.uptime_7d::text,
             floor(extract(epoch from u.last_heartbeat_at) * 1000)::text, p.outages_settled::text
           from provider p left join provider_uptime u on u.chain_id = p.chain_id and u.provider = p.address
           where p.chain_id = $1 ${condition}`,
    values: !changed ? [chainId] : [chainId, "afterBlock" in changed ? changed.afterBlock : changed.uptimeAfterMs],
    rowMode: "array",
  });
  for (const row of rows) {
    const code = providers.byAddress.get(row[0]!);
    if (code === undefined) continue;
    providers.reliability[code] = Number(row[1]);
    providers.active[code] = row[2] === "true" ? 1 : 0;
    providers.uptime7d[code] = row[3] === null ? NaN : Number(row[3]);
    providers.lastSeen[code] = row[4] === null ? NaN : Number(row[4]);
    providers.outagesSettled[code] = Number(row[5]);
  }
}

export function emptyProviders(addresses: string[], byAddress: Map<string, number>): ProviderColumns {
  const n = addresses.length;
  return {
    addresses,
    byAddress,
    reliability: new Float64Array(n).fill(-Infinity),
    active: new Uint8Array(n),
    uptime7d: new Float64Array(n).fill(NaN),
    lastSeen: new Float64Array(n).fill(NaN),
    outagesSettled: new Float64Array(n),
    lastSeenMoves: 0,
  };
}

/** Per-offer provider columns (what the counting loop reads) from the provider table. */
export function applyProviders(snapshot: ListSnapshot, providers: ProviderColumns): ListSnapshot {
  const { size, providerCode } = snapshot;
  const reliability = new Float64Array(size);
  const providerActive = new Uint8Array(size);
  const outagesSettled = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    reliability[i] = providers.reliability[providerCode[i]!]!;
    providerActive[i] = providers.active[providerCode[i]!]!;
    outagesSettled[i] = providers.outagesSettled[providerCode[i]!]!;
  }
  const orders = { rows: snapshot.orders.rows, reliability: new Map<SearchSort, Uint32Array>() };
  return {
    ...snapshot,
    providers,
    reliability,
    providerActive,
    outagesSettled,
    orders,
    providerOnline: new Uint8Array(0),
    onlineValid: { until: -Infinity, moves: -1 },
    online: new Uint8Array(size),
  };
}

/**
 * Every active offer of a chain and its provider, in one repeatable-read transaction, in offer id order
 * (ties of every sort order are broken by row index), read with binary COPY (offer-copy.ts).
 */
export async function loadListSnapshot(db: pg.Pool, chainId: number): Promise<ListSnapshot> {
  return inTransaction(
    db,
    async (client) => {
      const where = `o.chain_id = $1 and ${ACTIVE_OFFER}`;
      const size = Number((await client.query<{ n: string }>(`select count(*)::text as n from offer o where ${where}`, [chainId])).rows[0]!.n);
      const providerNames: CodeTable = { list: [], byName: new Map() };
      const s = emptySnapshot(
        size,
        { models: { list: [], byName: new Map() }, regions: { list: [], byName: new Map() } },
        await readIndexedAt(client, chainId),
      );
      s.providersReadAt = await databaseNow(client);
      if (!Number.isSafeInteger(chainId)) throw new Error(`offer snapshot: chain id ${chainId} is not an integer`);
      // COPY takes no parameters: the chain id, an integer, is written into the statement.
      const i = await copyOfferRows(client, `o.chain_id = ${chainId} and ${ACTIVE_OFFER}`, s, providerNames);
      if (i !== size) throw new Error("offer snapshot: the row count moved inside one transaction");
      const providers = emptyProviders(providerNames.list, providerNames.byName);
      await readProviders(client, chainId, providers);
      return applyProviders(s, providers);
    },
    "begin isolation level repeatable read read only",
  );
}

/** A commit can land a little after the time it records (updated_at is its transaction's start): re-read this far back. */
const UPTIME_OVERLAP_MS = 10_000;

/** The database clock, ms. */
export async function databaseNow(client: pg.PoolClient | pg.Pool): Promise<number> {
  return Number((await client.query<{ now: string }>("select floor(extract(epoch from now()) * 1000)::text as now")).rows[0]!.now);
}

/** A copy of provider columns, to change without touching a snapshot still in use. */
export function copyProviders(from: ProviderColumns, addresses = from.addresses, byAddress = from.byAddress): ProviderColumns {
  const providers = emptyProviders(addresses, byAddress);
  providers.reliability.set(from.reliability);
  providers.active.set(from.active);
  providers.uptime7d.set(from.uptime7d);
  providers.lastSeen.set(from.lastSeen);
  providers.outagesSettled.set(from.outagesSettled);
  return providers;
}

/**
 * The same offer rows with the providers whose uptime row changed since the last read re-read
 * (a heartbeat or the uptime refresh: uptime, reliability, last seen). The sorts by a provider
 * column are carried over by the caller (offer-delta.ts carryReliabilityOrders).
 */
export async function reloadProviders(db: pg.Pool, chainId: number, snapshot: ListSnapshot): Promise<ListSnapshot> {
  const readAt = await databaseNow(db);
  const providers = copyProviders(snapshot.providers);
  await readProviders(db, chainId, providers, { uptimeAfterMs: snapshot.providersReadAt - UPTIME_OVERLAP_MS });
  const next = applyProviders(snapshot, providers);
  next.providersReadAt = readAt;
  return next;
}

/**
 * Moves last seen for the providers whose last heartbeat moved since `sinceMs` (a beat moves it
 * without changing the data version), or, with `sinceMs` null, sets every provider's as stored (the
 * online count disagreed: something other than a beat moved one). A beat's last seen is capped at
 * its arrival, so a time ahead of the database clock (synthetic benchmark data: a year ahead, 90k rows
 * at 1M offers) is no beat of this second and is not re-read every second. Returns the database's
 * clock at the read, for the next call.
 */
export async function refreshLastSeen(db: pg.Pool, chainId: number, providers: ProviderColumns, sinceMs: number | null): Promise<number> {
  const { rows } = await db.query<string[]>({
    text: `select provider, floor(extract(epoch from last_heartbeat_at) * 1000)::text, floor(extract(epoch from now()) * 1000)::text
           from provider_uptime where ${sinceMs === null ? "" : "last_heartbeat_at > to_timestamp($2::float8 / 1000) and last_heartbeat_at <= now() and"} chain_id = $1
           union all select null, null, floor(extract(epoch from now()) * 1000)::text`,
    values: sinceMs === null ? [chainId] : [chainId, sinceMs],
    rowMode: "array",
  });
  for (const row of rows) {
    const code = row[0] === null ? undefined : providers.byAddress.get(row[0]!);
    if (code === undefined) continue;
    const seen = Number(row[1]);
    if (sinceMs === null ? !Object.is(seen, providers.lastSeen[code]) : !(seen <= providers.lastSeen[code]!)) {
      providers.lastSeen[code] = seen;
      providers.lastSeenMoves++;
    }
  }
  return Number(rows.at(-1)![2]);
}

/**
 * The snapshot with `online` evaluated at `nowMs` (last seen within ONLINE_WINDOW_SECONDS, as ONLINE_SQL).
 * Returns the same object while no provider crossed the window, so counts cached for it stay valid.
 */
export function withOnlineAt(snapshot: ListSnapshot, nowMs: number): ListSnapshot {
  const { lastSeen, lastSeenMoves } = snapshot.providers;
  // Nothing can have crossed the window: no last seen moved and no online provider's window ended
  // (checking every provider per query costs ~1 ms at 100k providers).
  if (nowMs < snapshot.onlineValid.until && lastSeenMoves === snapshot.onlineValid.moves) return snapshot;
  const windowMs = ONLINE_WINDOW_SECONDS * 1000;
  const cutoff = nowMs - windowMs;
  const flags = new Uint8Array(lastSeen.length);
  let changed = snapshot.providerOnline.length !== flags.length;
  let until = Infinity;
  for (let p = 0; p < flags.length; p++) {
    const online = lastSeen[p]! >= cutoff;
    flags[p] = online ? 1 : 0;
    if (online && lastSeen[p]! + windowMs < until) until = lastSeen[p]! + windowMs;
    if (!changed && flags[p] !== snapshot.providerOnline[p]) changed = true;
  }
  // ONLINE_SQL is `last_heartbeat_at >= now() - window`: still online at exactly lastSeen + window, offline 1 ms later.
  const valid = { until: until + 1, moves: lastSeenMoves };
  if (!changed) {
    snapshot.onlineValid = valid;
    return snapshot;
  }
  const online = new Uint8Array(snapshot.size);
  for (let i = 0; i < snapshot.size; i++) online[i] = flags[snapshot.providerCode[i]!]!;
  return { ...snapshot, online, providerOnline: flags, onlineValid: valid };
}
