import type pg from "pg";
import { getPool } from "./client";

/** Dispute reads for the arbiter console. */

export interface LeaseEvent {
  name: string;
  block: string;
  txHash: string;
  args: Record<string, unknown>;
}

export interface QueuedDispute {
  leaseId: string;
  openedBlock: string;
}

/** Open disputes first (oldest first: they time out first, at most 100), then the 20 most recently decided ones. */
export async function disputeQueue(chainId: number, db: pg.Pool = getPool()): Promise<{ open: QueuedDispute[]; decided: QueuedDispute[] }> {
  const select = `select lease_id::text as "leaseId", opened_block::text as "openedBlock" from dispute where chain_id = $1`;
  const [open, decided] = await Promise.all([
    db.query<QueuedDispute>(`${select} and status = 'Open' order by opened_block asc limit 100`, [chainId]),
    db.query<QueuedDispute>(`${select} and status <> 'Open' order by closed_block desc limit 20`, [chainId]),
  ]);
  return { open: open.rows, decided: decided.rows };
}

/**
 * Every contract event naming one of `leaseIds`, oldest first (at most 2,000), by lease id. The sealed
 * payloads are opaque to arbiters, so they are left out of the timeline.
 */
export async function leaseEventHistory(chainId: number, leaseIds: string[], db: pg.Pool = getPool()): Promise<Map<string, LeaseEvent[]>> {
  const byLease = new Map<string, LeaseEvent[]>();
  if (leaseIds.length === 0) return byLease;
  const events = await db.query<LeaseEvent>(
    `select name, block_number::text as block, tx_hash as "txHash", args from raw_event
     where chain_id = $1 and args->>'leaseId' = any($2) order by block_number, log_index limit 2000`,
    [chainId, leaseIds],
  );
  for (const event of events.rows) {
    const { encryptedRequest: _request, encryptedAccess: _access, ...visible } = event.args;
    const key = String(event.args.leaseId);
    const list = byLease.get(key) ?? [];
    list.push({ ...event, args: visible });
    byLease.set(key, list);
  }
  return byLease;
}
