import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { startTempPostgres } from "../src/embedded";
import { runMigrations } from "../src/migrate";
import { marketStats } from "../src/queries";
import { sqlMarketSummary } from "../src/search";
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

describe("market stats", () => {
  it("count offers, active offers, free GPUs, providers and disputes as one query per figure would, and summarize models from the snapshot as SQL does", async () => {
    await getPool().query("update offer set status = 'Paused' where chain_id = $1 and offer_id % 7 = 0", [CHAIN_ID]);
    await getPool().query(
      "update provider set status = 'Paused' where chain_id = $1 and address in (select address from provider where chain_id = $1 limit 3)",
      [CHAIN_ID],
    );
    const one = async (sql: string) => Number((await getPool().query<{ n: string }>(sql, [CHAIN_ID])).rows[0]!.n);
    // As the indexer commits a batch: with a new data version, which the search snapshot (the models' summary) follows.
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
       values ($1, '0x', '0x', 0, '0x0', 1, '0x1', 0, 1) on conflict (chain_id) do update set data_version = indexer_cursor.data_version + 1`,
      [CHAIN_ID],
    );
    // Past STATS_TTL_MS a call answers the last stats and recomputes behind them (the models within
    // SEARCH_SUMMARY_TTL_MS): ask until the pauses show.
    const active = await one("select count(*) as n from offer where chain_id = $1 and status = 'Active'");
    const models = await sqlMarketSummary(CHAIN_ID);
    let stats = await marketStats(CHAIN_ID);
    for (let tries = 0; (stats.offers.active !== active || JSON.stringify(stats.models) !== JSON.stringify(models)) && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await marketStats(CHAIN_ID);
    }
    expect(stats.offers).toEqual({
      active,
      total: await one("select count(*) as n from offer where chain_id = $1"),
      freeGpus: await one("select sum(free_units) as n from offer where chain_id = $1 and status = 'Active'"),
    });
    expect(stats.offers.active).toBeLessThan(stats.offers.total);
    expect(stats.providers).toEqual({
      active: await one("select count(*) as n from provider where chain_id = $1 and status = 'Active'"),
      total: await one("select count(*) as n from provider where chain_id = $1"),
    });
    expect(stats.providers.active).toBeLessThan(stats.providers.total);
    expect(stats.disputes).toEqual({ open: 0, total: 0 });
    expect(stats.models).toEqual(models);
  });
});

describe("market stats between data versions", () => {
  it("show the indexer's block moving over empty blocks (no new data version) while the table counts are reused", async () => {
    await getPool().query("update indexer_cursor set block_number = 777 where chain_id = $1", [CHAIN_ID]);
    let stats = await marketStats(CHAIN_ID);
    for (let tries = 0; stats.indexer.block !== "777" && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await marketStats(CHAIN_ID);
    }
    expect(stats.indexer.block).toBe("777");
    // A change the data version does not announce (written by hand): the counts stay those of the version for now.
    const before = stats.offers.active;
    await getPool().query("update offer set status = 'Paused' where chain_id = $1 and status = 'Active' and offer_id % 5 = 1", [CHAIN_ID]);
    await getPool().query("update indexer_cursor set block_number = 778 where chain_id = $1", [CHAIN_ID]);
    for (let tries = 0; stats.indexer.block !== "778" && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await marketStats(CHAIN_ID);
    }
    expect(stats.offers.active).toBe(before);
  });
});
