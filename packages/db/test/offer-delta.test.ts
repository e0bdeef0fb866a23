import type pg from "pg";
import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { PAGE_WALK_TUNING } from "../src/offer-walk";
import { offerSnapshots, searchDataVersion, searchOffers, SEARCH_SORTS } from "../src/search";
import { insertSyntheticOffers } from "../src/synthetic";
import { inTransaction } from "../src/transaction";
import { useTempDatabase } from "./helpers/temp-database";
import { allPages, expectEverySortEqualsSql, expectSnapshotEqualsSql } from "./search-paths";

const CHAIN_ID = 31337;
let block = 10;

/** What the indexer does per batch: rows written with updated_block = the batch's block, the cursor moved and its data version bumped, in one transaction. */
async function indexerBatch(write: (client: pg.PoolClient, block: number) => Promise<unknown>): Promise<void> {
  await inTransaction(getPool(), async (client) => {
    block++;
    await write(client, block);
    await client.query("insert into indexed_block (chain_id, number, hash, parent_hash) values ($1, $2, $3, '0x')", [CHAIN_ID, block, `0xa${block}`]);
    await client.query("update indexer_cursor set block_number = $2, block_hash = $3, data_version = data_version + 1 where chain_id = $1", [
      CHAIN_ID,
      block,
      `0xa${block}`,
    ]);
  });
}

/** Searches every sort (and with a GPU filter, so the per-model orders exist too): every order exists and an update has to carry it over. */
async function touchEverySort(): Promise<void> {
  for (const sort of SEARCH_SORTS) {
    await searchOffers({ sort, limit: 5 });
    await searchOffers({ sort, limit: 5, gpu: "T4,RTX4090" });
  }
}

/** Every sort with a GPU filter, all pages: through the snapshot as through PostgreSQL. */
async function expectModelPagesEqualSql(gpu: string): Promise<void> {
  for (const sort of SEARCH_SORTS) {
    const query = { sort, gpu, online: "any" as const, limit: 40 };
    expect(
      (await allPages(query, "snapshot")).map((p) => p.offers),
      `${sort} ${gpu}`,
    ).toEqual((await allPages(query, "sql")).map((p) => p.offers));
  }
}

useTempDatabase("gridlease-offer-delta-", async () => {
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 800, seed: 0.5 });
  await getPool().query("update offer set price_per_gpu_hour = 1000000 * (offer_id % 3) where offer_id % 4 <> 0");
  await getPool().query("update offer set status = 'Paused' where offer_id % 30 = 0");
  await getPool().query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
     values ($1, '0x', '0x', 0, '0x0', $2, $3, 0, 1)`,
    [CHAIN_ID, block, `0xa${block}`],
  );
  await getPool().query("insert into indexed_block (chain_id, number, hash, parent_hash) values ($1, $2, $3, '0x')", [CHAIN_ID, block, `0xa${block}`]);
});

describe("incremental snapshot updates", () => {
  it("write a batch that only changes active offers over their own rows, sharing what did not change, and answer as PostgreSQL does", async () => {
    await touchEverySort();
    const current = async () => offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
    const before = await current();
    const deltas = offerSnapshots.loads.delta;
    // A price change: the price column is copied, every other row column shared; orders by other keys kept.
    await indexerBatch((c, b) =>
      c.query("update offer set price_per_gpu_hour = 2500000, updated_block = $1 where status = 'Active' and offer_id % 9 = 2", [b]),
    );
    await touchEverySort();
    const priced = await current();
    expect(offerSnapshots.loads.delta).toBe(deltas + 1);
    expect(priced.price).not.toBe(before.price);
    expect(priced.offerId).toBe(before.offerId);
    expect(priced.vramGb).toBe(before.vramGb);
    expect(priced.orders.rows.get("newest")).toBe(before.orders.rows.get("newest"));
    expect(priced.orders.rows.get("price")).not.toBe(before.orders.rows.get("price"));
    await expectEverySortEqualsSql();
    await expectModelPagesEqualSql("T4,RTX4090");
    // A model changed in place (and free units): the per-model orders of the kept orders must follow it.
    await indexerBatch((c, b) =>
      c.query("update offer set gpu_model = 'T4', free_units = 0, updated_block = $1 where status = 'Active' and offer_id % 17 = 4", [b]),
    );
    await touchEverySort();
    expect(offerSnapshots.loads.delta).toBe(deltas + 2);
    expect((await current()).offerId).toBe(before.offerId);
    await expectModelPagesEqualSql("T4");
    await expectModelPagesEqualSql("T4,RTX4090");
    await expectSnapshotEqualsSql(10);
  }, 240_000);

  it("keep walking fixed filters' sub-orders only while their columns stay: a spec changed in place is seen", async () => {
    const saved = PAGE_WALK_TUNING.subOrderAfterRows;
    PAGE_WALK_TUNING.subOrderAfterRows = 0; // every walk with fixed filters builds and then uses its sub-order
    try {
      const queries = SEARCH_SORTS.flatMap((sort) => [
        { sort, minVramGb: "48", online: "any" as const, limit: 30 },
        { sort, minVramGb: "80", region: "us-east,eu-west", online: "any" as const, limit: 30 },
      ]);
      const expectEqualSql = async () => {
        for (const query of queries) {
          expect(
            (await allPages(query, "snapshot")).map((p) => p.offers),
            JSON.stringify(query),
          ).toEqual((await allPages(query, "sql")).map((p) => p.offers));
        }
      };
      await expectEqualSql(); // builds the sub-orders (the first walk of each) and pages through them
      // VRAM moved in place (the vram column is copied, the orders by other keys are kept with their sub-orders).
      await indexerBatch((c, b) =>
        c.query("update offer set vram_gb = case when vram_gb >= 80 then 24 else 80 end, updated_block = $1 where status = 'Active' and offer_id % 7 = 3", [b]),
      );
      await expectEqualSql();
    } finally {
      PAGE_WALK_TUNING.subOrderAfterRows = saved;
    }
  }, 240_000);

  it("apply indexer batches without a full reload and answer as PostgreSQL does", async () => {
    await touchEverySort();
    const full = offerSnapshots.loads.full;
    const deltas = offerSnapshots.loads.delta;
    // Price changes into and out of runs of equal prices.
    await indexerBatch((c, b) => c.query("update offer set price_per_gpu_hour = 1000000, updated_block = $1 where offer_id % 7 = 1", [b]));
    await touchEverySort();
    // Delistings, a relisting of paused offers, a changed spec and free units.
    await indexerBatch(async (c, b) => {
      await c.query("update offer set status = 'Delisted', updated_block = $1 where offer_id % 11 = 2", [b]);
      await c.query("update offer set status = 'Active', updated_block = $1 where offer_id % 60 = 0", [b]);
      await c.query("update offer set vram_gb = 96, free_units = 0, updated_block = $1 where offer_id % 13 = 3", [b]);
    });
    await touchEverySort();
    // No provider changed so far: every order, reliability's included, was carried over, not rebuilt.
    await expectSnapshotEqualsSql(10);
    // A new provider with new offers, and another provider's reliability moved.
    await indexerBatch(async (c, b) => {
      await c.query(
        `insert into provider select chain_id, '0xbeef000000000000000000000000000000000001', status, stake, pending_unstake, unstake_available_at, total_slashed,
           encryption_key, metadata_uri, registered_block, 0, 0, 0, 0, 0, 0, 0, 0, earnings_net, 97.5, $2, finalized from provider where chain_id = $1 limit 1`,
        [CHAIN_ID, b],
      );
      await c.query(
        `insert into provider_uptime (chain_id, provider, first_heartbeat_at, last_heartbeat_at, uptime_24h, uptime_7d, uptime_30d)
         values ($1, '0xbeef000000000000000000000000000000000001', now(), now(), 1, 1, 1)`,
        [CHAIN_ID],
      );
      await c.query(
        `insert into offer select chain_id, offer_id + 10000, '0xbeef000000000000000000000000000000000001', gpu_model, gpu_count, vram_gb, cpu_cores, ram_gb,
           disk_gb, bandwidth_mbps, region, price_per_gpu_hour, price_per_tflop, min_hours, max_hours, 'Active', free_units, listed_block, listed_log_index, $2, finalized
         from offer where chain_id = $1 and offer_id <= 5`,
        [CHAIN_ID, b],
      );
      await c.query(
        "update provider set reliability = 99.9, updated_block = $2 where chain_id = $1 and address = (select min(provider) from offer where provider like '0xfeed%')",
        [CHAIN_ID, b],
      );
    });
    await touchEverySort();
    expect(offerSnapshots.loads.full).toBe(full);
    expect(offerSnapshots.loads.delta).toBe(deltas + 3);
    const newcomer = await searchOffers({ sort: "newest", limit: 1 });
    expect(newcomer.offers[0]!.provider).toBe("0xbeef000000000000000000000000000000000001");
    expect(newcomer.offers[0]!.providerReliability).toBe(97.5);
    await expectEverySortEqualsSql();
    await expectSnapshotEqualsSql(20);
  }, 240_000);

  it("follows an outage settled against a provider (its row, updated_block bumped) in the SLA sort, filter and hits", async () => {
    await touchEverySort();
    const full = offerSnapshots.loads.full;
    const delta = offerSnapshots.loads.delta;
    const best = (await searchOffers({ sort: "sla", limit: 1, online: "any" })).offers[0]!;
    expect(best.providerOutagesSettled).toBe(0);
    // What the indexer writes for OutageSettled: the provider's counter, with the event's block.
    await indexerBatch((c, b) =>
      c.query("update provider set outages_settled = outages_settled + 2, updated_block = $3 where chain_id = $1 and address = $2", [
        CHAIN_ID,
        best.provider,
        b,
      ]),
    );
    const after = await searchOffers({ sort: "sla", limit: 100, online: "any" });
    expect(offerSnapshots.loads.full).toBe(full);
    expect(offerSnapshots.loads.delta).toBe(delta + 1);
    expect(after.offers.map((o) => o.provider)).not.toContain(best.provider);
    const clean = await searchOffers({ maxSettledOutages: 0, sort: "newest", limit: 100, online: "any", gpu: best.gpuModel });
    expect(clean.offers.map((o) => o.offerId)).not.toContain(best.offerId);
    const theirs = await searchOffers({ maxSettledOutages: 2, sort: "newest", limit: 100, online: "any", gpu: best.gpuModel, region: best.region });
    expect(theirs.offers.find((o) => o.offerId === best.offerId)?.providerOutagesSettled).toBe(2);
    await expectEverySortEqualsSql();
    await expectSnapshotEqualsSql(10);
  }, 240_000);

  it("reloads in full after a rollback, which restores rows without a newer updated_block", async () => {
    await touchEverySort();
    const full = offerSnapshots.loads.full;
    const { rows } = await getPool().query<{ id: string; price: string }>(
      "select offer_id::text as id, price_per_gpu_hour::text as price from offer where status = 'Active' and offer_id % 7 = 1 order by offer_id limit 1",
    );
    // The undo journal puts back the prior image (an old updated_block) and the cursor goes back.
    await getPool().query("update offer set price_per_gpu_hour = 4242, gpu_count = 55, updated_block = 5 where offer_id = $1", [rows[0]!.id]);
    block -= 2;
    await getPool().query("delete from indexed_block where chain_id = $1 and number > $2", [CHAIN_ID, block]);
    await getPool().query("update indexer_cursor set block_number = $2, block_hash = $3, data_version = data_version + 1 where chain_id = $1", [
      CHAIN_ID,
      block,
      `0xa${block}`,
    ]);
    const cheapest = await searchOffers({ sort: "price", limit: 1, online: "any", minGpus: 55 });
    expect(offerSnapshots.loads.full).toBe(full + 1);
    expect(cheapest.offers.map((o) => o.pricePerGpuHour)).toContain("4242");
  });

  it("reloads in full when its block was replaced by a reorg, even once the cursor is past it", async () => {
    await touchEverySort();
    const full = offerSnapshots.loads.full;
    const { rows } = await getPool().query<{ id: string }>("select offer_id::text as id from offer where status = 'Active' order by offer_id desc limit 1");
    // Rolled back to before the snapshot's block and re-indexed on another branch within one version poll.
    await getPool().query("update offer set free_units = 0, gpu_count = 77, updated_block = 1 where offer_id = $1", [rows[0]!.id]);
    await getPool().query("update indexed_block set hash = '0xother' where chain_id = $1 and number = $2", [CHAIN_ID, block]);
    await getPool().query("update indexer_cursor set block_number = $2, block_hash = '0xother2', data_version = data_version + 1 where chain_id = $1", [
      CHAIN_ID,
      block + 1,
    ]);
    const newest = await searchOffers({ sort: "newest", limit: 1, online: "any", minGpus: 77 });
    expect(offerSnapshots.loads.full).toBe(full + 1);
    expect(newest.offers[0]!.offerId).toBe(rows[0]!.id);
  });
});
