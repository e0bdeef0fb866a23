import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { startTempPostgres } from "../src/embedded";
import { runMigrations } from "../src/migrate";
import { marketStats } from "../src/queries";
import { insertSyntheticOffers } from "../src/synthetic";

const CHAIN_ID = 31337;
let server: Awaited<ReturnType<typeof startTempPostgres>>;

beforeAll(async () => {
  server = await startTempPostgres("gridlease-stats-stale-");
  await runMigrations(server.url);
  process.env.DATABASE_URL = server.url;
  process.env.STATS_TTL_MS = "1";
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 200, seed: 0.1 });
}, 120_000);

afterAll(async () => {
  delete process.env.STATS_TTL_MS;
  await closeDatabaseClients();
  await server?.stop();
});

describe("market stats past their time to live", () => {
  it("are answered from the last result while the recomputation waits, not after it", async () => {
    const first = await marketStats(CHAIN_ID);
    await new Promise((r) => setTimeout(r, 5));
    // A recomputation that cannot finish: the offer table is locked by another transaction.
    const locker = await getPool().connect();
    await locker.query("begin");
    await locker.query("lock table offer in access exclusive mode");
    try {
      const started = Date.now();
      const again = await Promise.race([marketStats(CHAIN_ID), new Promise((r) => setTimeout(() => r("waited"), 2_000))]);
      expect(again).toEqual(first);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await locker.query("rollback");
      locker.release();
    }
  });
});
