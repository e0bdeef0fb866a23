/**
 * Events that cannot be stored. Anyone can emit events with their own strings and numbers, so one
 * event the database refuses (or a handler cannot apply) must not stop the indexer: that would freeze
 * the index for every user, again on every restart. When a batch fails that way, it is written again
 * event by event, each under a savepoint; an event that still fails is rolled back alone and recorded
 * in `failed_event` with its block, log index, transaction hash and error. Everything else in the
 * range is stored once, and the cursor moves past the range in the same transaction, so a crash or a
 * replay neither skips nor doubles anything (appliedEvents counts recorded failures as handled).
 */
import { inTransaction } from "@gridlease/db/transaction";
import type pg from "pg";
import { argsJsonText, type DecodedEvent } from "./events";
import { applyHandler, BatchState, keysToLoad } from "./handlers";
import type { RawEventRow } from "./rows";
import { cleanText } from "./sanitize";
import { finishBatch, loadBatchState, writeEventRows, type BatchWrite } from "./store";
import { IndexerError } from "./errors";

/** An error a handler threw for one event (a missing row, a value it cannot convert). */
export class EventApplyError extends IndexerError {
  readonly code = "event_not_applied";
  constructor(
    readonly event: DecodedEvent,
    readonly cause: unknown,
  ) {
    super(
      `${event.name} at block ${event.blockNumber} (tx ${event.txHash}, log ${event.logIndex}) cannot be applied: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "EventApplyError";
  }
}

/** Runs the event's handler; its errors become EventApplyError (about this event, not the database or the node). */
export function applyEvent(state: BatchState, event: DecodedEvent): void {
  try {
    applyHandler(state, event);
  } catch (error) {
    throw new EventApplyError(event, error);
  }
}

/**
 * True for errors caused by the content of some event: a handler error, or PostgreSQL refusing a
 * value — class 22 (data exception: NUL in text, bad encoding, out of range), 23 (constraint
 * violation) and 54 (a value past a size limit). Lost connections, timeouts and the like are not:
 * they stop the batch as before and it is retried whole.
 */
export function isEventDataError(error: unknown): boolean {
  if (error instanceof EventApplyError) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

export function rawEventRow(chainId: number, event: DecodedEvent, finalized: boolean): RawEventRow {
  return {
    chain_id: chainId,
    tx_hash: event.txHash,
    log_index: event.logIndex,
    block_number: event.blockNumber.toString(),
    block_hash: event.blockHash,
    address: event.address,
    name: event.name,
    args: argsJsonText(event.args),
    finalized,
  };
}

export interface FailedEvent {
  event: DecodedEvent;
  error: string;
}

/**
 * Writes `events` (not yet in the index, in chain order) one at a time in a single transaction that
 * also moves the cursor; returns the events recorded in failed_event instead.
 */
export async function writeEventByEvent(
  db: pg.Pool,
  chainId: number,
  isFinal: (block: bigint) => boolean,
  events: DecodedEvent[],
  batch: Pick<BatchWrite, "journal" | "from" | "to" | "blocks" | "cursor" | "previousFinalized" | "previous">,
): Promise<FailedEvent[]> {
  const failed: FailedEvent[] = [];
  const providers = new Set<string>();
  return inTransaction(db, async (client) => {
    for (const event of events) {
      await client.query("savepoint one_event");
      try {
        const state = new BatchState(chainId, isFinal);
        const original = await loadBatchState(client, state, keysToLoad([event]));
        applyEvent(state, event);
        await writeEventRows(client, { ...batch, state, original, rawEvents: [rawEventRow(chainId, event, isFinal(event.blockNumber))] });
        await client.query("release savepoint one_event");
        for (const address of state.dirty.provider) providers.add(address);
      } catch (error) {
        if (!isEventDataError(error)) throw error;
        await client.query("rollback to savepoint one_event");
        // A database message can quote the refused value; clean it like any on-chain text.
        const message = cleanText(error instanceof Error ? error.message : String(error));
        await client.query(
          `insert into failed_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, error)
           values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
          [chainId, event.txHash, event.logIndex, event.blockNumber.toString(), event.blockHash, event.address, cleanText(event.name), message],
        );
        failed.push({ event, error: message });
      }
    }
    await finishBatch(client, batch, [...providers], true);
    return failed;
  });
}
