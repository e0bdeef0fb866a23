import type pg from "pg";

/**
 * Runs `work` in one transaction on a client of `db`: commits when it resolves; when it throws, rolls
 * back and rethrows its error (a failing rollback is ignored so the first error is the one seen). The
 * client goes back to the pool either way. No database client import, so the indexer bundle can use it.
 */
export async function inTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
