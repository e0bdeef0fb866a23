import type pg from "pg";

/**
 * Runs `work` in one transaction on a client of `db`: commits when it resolves; when it throws, rolls
 * back and rethrows its error (a failing rollback is ignored so the first error is the one seen). The
 * client goes back to the pool either way. No database client import, so the indexer bundle can use it.
 * `begin` opens the transaction, e.g. "begin isolation level repeatable read read only" for a snapshot.
 * Every hand-written transaction in the repo goes through here (or withTransaction for a held client).
 */
export async function inTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = "begin"): Promise<T> {
  const client = await db.connect();
  try {
    return await withTransaction(client, work, begin);
  } finally {
    client.release();
  }
}

/** inTransaction on a client the caller holds (one that keeps a session lock, say) and releases itself. */
export async function withTransaction<C extends pg.ClientBase, T>(client: C, work: (client: C) => Promise<T>, begin = "begin"): Promise<T> {
  await client.query(begin);
  try {
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
}
