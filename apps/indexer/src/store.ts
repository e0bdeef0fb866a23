import type pg from "pg";
import { copyRows } from "@gridlease/db/copy";
import { notifyData } from "@gridlease/db/data-events";
import { RELIABILITY_UPDATE_SQL } from "@gridlease/db/reliability";
import { inTransaction } from "@gridlease/db/transaction";
import type { BatchState } from "./handlers";
import { ENTITY_TABLES, type EntityRows, type EntityTable, type RawEventRow } from "./rows";
import { IndexerError } from "./errors";

export interface Cursor {
  chainId: number;
  registryAddress: string;
  escrowAddress: string;
  deployBlock: bigint;
  deployBlockHash: string;
  blockNumber: bigint;
  blockHash: string;
  finalizedBlock: bigint;
}

const RAW_EVENT_COLUMNS = ["chain_id", "tx_hash", "log_index", "block_number", "block_hash", "address", "name", "args", "finalized"];
const PRICE_HISTORY_COLUMNS = ["chain_id", "tx_hash", "log_index", "offer_id", "gpu_model", "block_number", "price_per_gpu_hour", "finalized"];
const CHAIN_TABLES = [
  "lease_outage",
  "reporter_approval",
  "dispute",
  "lease",
  "offer",
  "provider",
  "offer_price_history",
  "raw_event",
  "failed_event",
  "indexed_block",
  "indexer_undo",
  "indexer_cursor",
] as const;
/** Derived tables in foreign-key order, parents first. */
const ENTITY_ORDER = Object.keys(ENTITY_TABLES) as EntityTable[];

export async function loadCursor(db: pg.Pool | pg.PoolClient, chainId: number): Promise<Cursor | null> {
  const result = await db.query(
    `select registry_address, escrow_address, deploy_block::text, deploy_block_hash, block_number::text, block_hash, finalized_block::text
     from indexer_cursor where chain_id = $1`,
    [chainId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    chainId,
    registryAddress: row.registry_address,
    escrowAddress: row.escrow_address,
    deployBlock: BigInt(row.deploy_block),
    deployBlockHash: row.deploy_block_hash,
    blockNumber: BigInt(row.block_number),
    blockHash: row.block_hash,
    finalizedBlock: BigInt(row.finalized_block),
  };
}

/** Thrown when the cursor is not where this writer left it: another indexer wrote meanwhile. */
export class CursorMovedError extends IndexerError {
  readonly code = "cursor_moved";
}

/**
 * Writes the cursor. `dataChanged` bumps its data version, which search caches key on (searchDataVersion
 * in packages/db): set it when the transaction changed indexed rows, so empty blocks keep caches warm.
 * `previous` fences the write: it succeeds only while the stored cursor is still that block, so a writer
 * that lost the advisory lock without noticing (a stalled process whose lock connection was dropped)
 * cannot commit on top of the standby that took over; its transaction rolls back instead.
 */
export async function saveCursor(
  db: pg.Pool | pg.PoolClient,
  cursor: Cursor,
  dataChanged: boolean,
  previous?: Pick<Cursor, "blockNumber" | "blockHash">,
): Promise<void> {
  const result = await db.query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 1, now())
     on conflict (chain_id) do update set registry_address = excluded.registry_address, escrow_address = excluded.escrow_address,
       deploy_block = excluded.deploy_block, deploy_block_hash = excluded.deploy_block_hash, block_number = excluded.block_number,
       block_hash = excluded.block_hash, finalized_block = excluded.finalized_block,
       data_version = indexer_cursor.data_version + case when $9 then 1 else 0 end, updated_at = now()
     where $10::bigint is null or (indexer_cursor.block_number = $10::bigint and indexer_cursor.block_hash = $11)`,
    [
      cursor.chainId,
      cursor.registryAddress,
      cursor.escrowAddress,
      cursor.deployBlock.toString(),
      cursor.deployBlockHash,
      cursor.blockNumber.toString(),
      cursor.blockHash,
      cursor.finalizedBlock.toString(),
      dataChanged,
      previous?.blockNumber.toString() ?? null,
      previous?.blockHash ?? null,
    ],
  );
  if (result.rowCount === 0) {
    throw new CursorMovedError(
      `The cursor of chain ${cursor.chainId} is no longer at block ${previous!.blockNumber}: another indexer wrote it. Stopping this one.`,
    );
  }
  // Delivered at commit (see data-events.ts): web processes drop their cached data version then.
  await notifyData(db, { chainId: cursor.chainId, source: "indexer", block: cursor.blockNumber.toString(), dataChanged });
}

/** Drops everything indexed for a chain (a restarted dev chain or a new deployment); heartbeats are kept. */
export async function resetChain(db: pg.Pool, chainId: number): Promise<void> {
  await inTransaction(db, async (client) => {
    for (const table of CHAIN_TABLES) await client.query(`delete from ${table} where chain_id = $1`, [chainId]);
  });
}

/** pg returns float8 Infinity as a JS number; JSON has no Infinity, so keep it as text for the round trip. */
function normalizeLoaded<T extends EntityTable>(table: T, row: Record<string, unknown>): EntityRows[T] {
  if (table === "offer" && row.price_per_tflop === Infinity) row.price_per_tflop = "Infinity";
  return row as unknown as EntityRows[T];
}

async function loadRows<T extends EntityTable>(
  client: pg.PoolClient,
  state: BatchState,
  table: T,
  keyColumn: string,
  keys: string[],
  original: Map<string, string | null>,
): Promise<void> {
  const missing = keys.filter((key) => !state.rows[table].has(key));
  if (missing.length === 0) return;
  const result = await client.query(`select * from ${table} where chain_id = $1 and ${keyColumn} = any($2)`, [state.chainId, missing]);
  for (const key of missing) state.rows[table].set(key, null);
  for (const row of result.rows) {
    const key = String(row[keyColumn]);
    state.rows[table].set(key, normalizeLoaded(table, row));
  }
  for (const key of missing) {
    const row = state.rows[table].get(key) ?? null;
    original.set(`${table}:${key}`, row ? JSON.stringify(row) : null);
  }
}

/** `txHash:logIndex` of the events in [from, to] that are already in the index (or recorded as unstorable). */
export async function appliedEvents(client: pg.PoolClient, chainId: number, from: bigint, to: bigint): Promise<Set<string>> {
  const result = await client.query<{ key: string }>(
    `select tx_hash || ':' || log_index as key from raw_event where chain_id = $1 and block_number between $2 and $3
     union all
     select tx_hash || ':' || log_index from failed_event where chain_id = $1 and block_number between $2 and $3`,
    [chainId, from.toString(), to.toString()],
  );
  return new Set(result.rows.map((r) => r.key));
}

/** Loads every derived row the events can touch; remembers the prior images for the undo journal. */
export async function loadBatchState(
  client: pg.PoolClient,
  state: BatchState,
  keys: { providers: Set<string>; offers: Set<string>; leases: Set<string>; approvals?: Set<string> },
): Promise<Map<string, string | null>> {
  const original = new Map<string, string | null>();
  await loadRows(client, state, "lease", "lease_id", [...keys.leases], original);
  await loadRows(client, state, "dispute", "lease_id", [...keys.leases], original);
  // Each loaded lease's latest outage report: the one a refutation or settlement in this batch closes.
  const outages = [...state.rows.lease.values()].filter((row) => row && row.outages_reported > 0).map((row) => `${row!.lease_id}:${row!.outages_reported}`);
  await loadRows(client, state, "lease_outage", "outage_id", outages, original);
  await loadRows(client, state, "reporter_approval", "approval_id", [...(keys.approvals ?? [])], original);
  await loadRows(client, state, "offer", "offer_id", [...keys.offers], original);
  const providers = new Set(keys.providers);
  for (const row of state.rows.lease.values()) if (row) providers.add(row.provider);
  for (const row of state.rows.offer.values()) if (row) providers.add(row.provider);
  await loadRows(client, state, "provider", "address", [...providers], original);
  return original;
}

function upsertSql(table: EntityTable, columns: string[]): string {
  const keys = ENTITY_TABLES[table] as readonly string[];
  const updates = columns
    .filter((c) => !keys.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(", ");
  return `insert into ${table} select * from json_populate_recordset(null::${table}, $1)
    on conflict (${keys.join(", ")}) do update set ${updates}`;
}

const columnCache = new Map<string, string[]>();
async function tableColumns(client: pg.PoolClient, table: string): Promise<string[]> {
  let columns = columnCache.get(table);
  if (!columns) {
    const result = await client.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = $1 order by ordinal_position",
      [table],
    );
    columns = result.rows.map((r) => r.column_name);
    columnCache.set(table, columns);
  }
  return columns;
}

export async function upsertEntities<T extends EntityTable>(client: pg.PoolClient, table: T, rows: EntityRows[T][]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(upsertSql(table, await tableColumns(client, table)), [JSON.stringify(rows)]);
}

export interface BatchWrite {
  state: BatchState;
  rawEvents: RawEventRow[];
  /** Prior images of loaded rows (JSON text, null = absent), journaled when the batch is not final. */
  original: Map<string, string | null>;
  journal: boolean;
  from: bigint;
  to: bigint;
  blocks: { number: bigint; hash: string; parentHash: string }[];
  cursor: Cursor;
  /** Finalized block before this batch; rows up to cursor.finalizedBlock get their flag set. */
  previousFinalized: bigint;
  /** The cursor this batch continues from; the cursor write is fenced on it (saveCursor). */
  previous?: Pick<Cursor, "blockNumber" | "blockHash">;
}

/** Writes one batch and moves the cursor, all in one transaction. */
export async function writeBatch(db: pg.Pool, batch: BatchWrite): Promise<void> {
  return inTransaction(db, async (client) => {
    await writeEventRows(client, batch);
    const { state } = batch;
    const dataChanged = batch.rawEvents.length > 0 || ENTITY_ORDER.some((table) => state.dirty[table].size > 0);
    await finishBatch(client, batch, [...state.dirty.provider], dataChanged);
  });
}

/** Raw events, derived rows, price history and (near the head) undo images of a batch, in the caller's transaction. */
export async function writeEventRows(
  client: pg.PoolClient,
  batch: Pick<BatchWrite, "state" | "rawEvents" | "original" | "journal" | "from" | "to">,
): Promise<void> {
  const { state } = batch;
  // COPY without ON CONFLICT is safe: the batch holds only events not yet in the index
  // (appliedEvents) and the advisory lock keeps a second writer out.
  await copyRows(client, "raw_event", RAW_EVENT_COLUMNS, batch.rawEvents as unknown as Record<string, unknown>[]);
  for (const table of ENTITY_ORDER) {
    const rows = [...state.dirty[table]].map((key) => state.rows[table].get(key)).filter((row): row is NonNullable<typeof row> => row != null);
    await upsertEntities(client, table, rows as EntityRows[typeof table][]);
  }
  await copyRows(client, "offer_price_history", PRICE_HISTORY_COLUMNS, state.priceHistory as unknown as Record<string, unknown>[]);
  if (batch.journal) {
    const undo = [];
    for (const table of ENTITY_ORDER) {
      for (const key of state.dirty[table]) {
        const prior = batch.original.get(`${table}:${key}`) ?? null;
        undo.push({ table_name: table, row_key: key, prior_image: prior === null ? null : JSON.parse(prior) });
      }
    }
    if (undo.length) {
      await client.query(
        `insert into indexer_undo (chain_id, batch_from, batch_to, table_name, row_key, prior_image)
         select $1, $2, $3, u.table_name, to_jsonb(u.row_key), u.prior_image
         from json_to_recordset($4) as u(table_name text, row_key text, prior_image jsonb)`,
        [state.chainId, batch.from.toString(), batch.to.toString(), JSON.stringify(undo)],
      );
    }
  }
}

/** Block hashes, reliability of the touched providers, the finality sweep and the cursor, in the caller's transaction. */
export async function finishBatch(
  client: pg.PoolClient,
  batch: Pick<BatchWrite, "blocks" | "cursor" | "previousFinalized" | "previous">,
  providers: string[],
  dataChanged: boolean,
): Promise<void> {
  const { cursor } = batch;
  if (batch.blocks.length) {
    await client.query(
      `insert into indexed_block (chain_id, number, hash, parent_hash)
       select $1, b.number, b.hash, b.parent_hash from json_to_recordset($2) as b(number bigint, hash text, parent_hash text)
       on conflict (chain_id, number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash`,
      [cursor.chainId, JSON.stringify(batch.blocks.map((b) => ({ number: b.number.toString(), hash: b.hash, parent_hash: b.parentHash })))],
    );
  }
  if (providers.length) await refreshReliability(client, cursor.chainId, providers);
  if (cursor.finalizedBlock > batch.previousFinalized) await sweepFinalized(client, cursor.chainId, cursor.finalizedBlock);
  await saveCursor(client, cursor, dataChanged, batch.previous);
}

export async function refreshReliability(client: pg.PoolClient | pg.Pool, chainId: number, providers: string[]): Promise<void> {
  await client.query(RELIABILITY_UPDATE_SQL, [chainId, providers]);
}

/** Marks rows at or below the finalized block final and drops undo/block history nobody can reorg any more. */
export async function sweepFinalized(client: pg.PoolClient, chainId: number, finalized: bigint): Promise<void> {
  const f = finalized.toString();
  await client.query(`update raw_event set finalized = true where chain_id = $1 and not finalized and block_number <= $2`, [chainId, f]);
  await client.query(`update offer_price_history set finalized = true where chain_id = $1 and not finalized and block_number <= $2`, [chainId, f]);
  for (const table of ENTITY_ORDER) {
    await client.query(`update ${table} set finalized = true where chain_id = $1 and not finalized and updated_block <= $2`, [chainId, f]);
  }
  await client.query(`delete from indexer_undo where chain_id = $1 and batch_to <= $2`, [chainId, f]);
  await client.query(
    `delete from indexed_block where chain_id = $1 and number < (select max(number) from indexed_block where chain_id = $1 and number <= $2)`,
    [chainId, f],
  );
}

/** Stored block hashes, newest first, for finding the common ancestor after a reorg. */
export async function storedBlocks(db: pg.Pool, chainId: number, below: bigint): Promise<{ number: bigint; hash: string }[]> {
  // Ordered by the bigint column, qualified: a bare `number` binds to the text output column of the
  // same name, which sorted "995" above "1015" and started the walk below the finality line.
  const result = await db.query(`select number::text, hash from indexed_block where chain_id = $1 and number <= $2 order by indexed_block.number desc`, [
    chainId,
    below.toString(),
  ]);
  return result.rows.map((r) => ({ number: BigInt(r.number), hash: r.hash }));
}

/**
 * Rolls derived state back to the end of block `ancestor` or earlier (to the start of the
 * journaled batch that contains it) and returns the block it actually rolled back to.
 */
export async function rollbackTo(db: pg.Pool, cursor: Cursor, ancestor: bigint): Promise<Cursor> {
  const chainId = cursor.chainId;
  return inTransaction(db, async (client) => {
    const straddling = await client.query<{ from: string | null }>(
      `select min(batch_from)::text as from from indexer_undo where chain_id = $1 and batch_to > $2`,
      [chainId, ancestor.toString()],
    );
    let target = ancestor;
    const earliest = straddling.rows[0]?.from;
    if (earliest != null && BigInt(earliest) - 1n < target) target = BigInt(earliest) - 1n;
    const journal = await client.query<{ table_name: EntityTable; row_key: string; prior_image: Record<string, unknown> | null }>(
      `select distinct on (table_name, row_key) table_name, row_key #>> '{}' as row_key, prior_image
       from indexer_undo where chain_id = $1 and batch_from > $2 order by table_name, row_key, batch_from, id`,
      [chainId, target.toString()],
    );
    const byTable = new Map<EntityTable, typeof journal.rows>();
    for (const row of journal.rows) byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row]);
    // Rows that did not exist before go (children first); the others get their prior image back in
    // place (an upsert, not delete + insert: deleting a provider would cascade to its older offers).
    for (const table of [...ENTITY_ORDER].reverse()) {
      const keys = (byTable.get(table) ?? []).filter((r) => r.prior_image === null).map((r) => r.row_key);
      const keyColumn = ENTITY_TABLES[table][1];
      if (keys.length) await client.query(`delete from ${table} where chain_id = $1 and ${keyColumn} = any($2)`, [chainId, keys]);
    }
    for (const table of ENTITY_ORDER) {
      const priors = (byTable.get(table) ?? []).map((r) => r.prior_image).filter((p) => p !== null);
      await upsertEntities(client, table, priors as unknown as EntityRows[typeof table][]);
    }
    const t = target.toString();
    await client.query(`delete from raw_event where chain_id = $1 and block_number > $2`, [chainId, t]);
    await client.query(`delete from failed_event where chain_id = $1 and block_number > $2`, [chainId, t]);
    await client.query(`delete from offer_price_history where chain_id = $1 and block_number > $2`, [chainId, t]);
    await client.query(`delete from indexer_undo where chain_id = $1 and batch_from > $2`, [chainId, t]);
    await client.query(`delete from indexed_block where chain_id = $1 and number > $2`, [chainId, t]);
    const hash = await client.query<{ hash: string }>(`select hash from indexed_block where chain_id = $1 and number = $2`, [chainId, t]);
    if (!hash.rows[0]) throw new Error(`Cannot roll back to block ${t}: its hash was not recorded`);
    const restoredProviders = (byTable.get("provider") ?? []).map((r) => r.row_key);
    if (restoredProviders.length) await refreshReliability(client, chainId, restoredProviders);
    const rolledBack = { ...cursor, blockNumber: target, blockHash: hash.rows[0].hash };
    await saveCursor(client, rolledBack, true, cursor);
    return rolledBack;
  });
}
