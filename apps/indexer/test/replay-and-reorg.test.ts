import pg from "pg";
import { describe, expect, it } from "vitest";
import { DeepReorgError, startIndexer } from "../src/indexer";
import { offerSpec, USDC } from "../../../scripts/market/simulate";
import { cleanIndexDigest, indexerOptions, seedSmallMarket, waitForBlock } from "./fixtures";
import { databaseDigest, useDeployedChain } from "./harness";

const chain = useDeployedChain((sim) => seedSmallMarket(sim));

/** `blocks` single-transaction blocks of provider activity (listings and price changes). */
async function activity(blocks: number, salt: number): Promise<void> {
  const provider = chain.sim.account(100 + (salt % 10));
  for (let i = 0; i < blocks; i++) {
    await chain.sim.send(provider, "registry", "listOffer", [
      offerSpec({
        gpuModel: "RTX4090",
        gpuCount: 1 + ((salt + i) % 4),
        vramGb: 24,
        cpuCores: 8,
        ramGb: 64,
        diskGb: 1000,
        bandwidthMbps: 1000,
        region: "eu-west",
        pricePerGpuHour: (40n + BigInt(salt * 7 + i)) * (USDC / 100n),
        minHours: 1,
        maxHours: 48,
      }),
    ]);
  }
}

describe("replay", () => {
  it("indexing the same range twice leaves an identical database", async () => {
    const url = await chain.postgres.create("replay_a");
    const first = await cleanIndexDigest(url, chain.node.url, chain.deployment);
    expect(Number(first.raw_event!.split(":")[0])).toBeGreaterThan(50);
    // Move the cursor back over most of the range and index it again.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const back = chain.deployment.registry.deployBlock + 5n;
    const header = await chain.sim.publicClient.getBlock({ blockNumber: back });
    await db.query("update indexer_cursor set block_number = $1, block_hash = $2", [back.toString(), header.hash]);
    await db.end();
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    await indexer.ready;
    await indexer.stop();
    expect(await databaseDigest(url)).toEqual(first);
    expect(await cleanIndexDigest(await chain.postgres.create("replay_b"), chain.node.url, chain.deployment)).toEqual(first);
  });
});

describe("answer size", () => {
  it("shrinks getLogs ranges whose answer is over the byte cap and still indexes every event once", async () => {
    const url = await chain.postgres.create("answer_cap");
    const batches: number[] = [];
    // ≈ 8 logs per answer: every range the sizing plans from the first one's density is too big.
    const indexer = await startIndexer(
      indexerOptions(url, chain.node.url, chain.deployment, { maxAnswerBytes: 6_000, onBatch: (b) => batches.push(b.events) }),
    );
    await indexer.ready;
    await indexer.stop();
    const capped = await databaseDigest(url);
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
    expect(capped).toEqual(await cleanIndexDigest(await chain.postgres.create("answer_cap_clean"), chain.node.url, chain.deployment));
  });
});

describe("reorgs", () => {
  it.each([1, 2, 3, 4, 5])("a reorg of depth %i leaves the database equal to a clean index of the surviving chain", async (depth) => {
    const url = await chain.postgres.create(`reorg_${depth}`);
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    try {
      await indexer.ready;
      const snapshot = await chain.sim.rpc<string>("evm_snapshot");
      const base = await chain.sim.publicClient.getBlockNumber();
      await activity(depth, depth);
      await waitForBlock(indexer, base + BigInt(depth));
      expect(await chain.sim.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      chain.sim.resetNonces();
      await activity(depth + 1, depth + 50); // a different, longer fork
      await waitForBlock(indexer, base + BigInt(depth) + 1n);
      const reorged = await databaseDigest(url);
      const clean = await cleanIndexDigest(await chain.postgres.create(`reorg_clean_${depth}`), chain.node.url, chain.deployment);
      expect(reorged).toEqual(clean);
    } finally {
      await indexer.stop();
    }
  });

  it("bumps the cursor's data version for indexed changes and rollbacks, not for empty blocks", async () => {
    const url = await chain.postgres.create("data_version");
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const version = async () => BigInt((await db.query<{ v: string }>("select data_version::text as v from indexer_cursor")).rows[0]!.v);
    try {
      await indexer.ready;
      const start = await version();
      const head = await chain.sim.publicClient.getBlockNumber();
      await chain.sim.rpc("hardhat_mine", ["0x3"]);
      await waitForBlock(indexer, head + 3n);
      expect(await version()).toBe(start);

      const snapshot = await chain.sim.rpc<string>("evm_snapshot");
      await activity(1, 77);
      await waitForBlock(indexer, head + 4n);
      const changed = await version();
      expect(changed).toBeGreaterThan(start);

      expect(await chain.sim.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      chain.sim.resetNonces();
      await chain.sim.rpc("hardhat_mine", ["0x2"]); // a longer fork with no activity: only the rollback changes data
      await waitForBlock(indexer, head + 5n);
      expect(await version()).toBeGreaterThan(changed);
    } finally {
      await db.end();
      await indexer.stop();
    }
  });

  it("stops with a clear error on a reorg deeper than the finality depth", async () => {
    const url = await chain.postgres.create("reorg_deep");
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment, { finalityDepth: 2 }));
    await indexer.ready;
    const snapshot = await chain.sim.rpc<string>("evm_snapshot");
    const base = await chain.sim.publicClient.getBlockNumber();
    await activity(5, 90);
    await waitForBlock(indexer, base + 5n);
    await chain.sim.rpc("evm_revert", [snapshot]);
    chain.sim.resetNonces();
    await activity(6, 91);
    await expect(indexer.done).rejects.toThrow(DeepReorgError);
    expect(indexer.status().error).toMatch(/Reorg deeper than the finality depth \(2 blocks\)/);
    await indexer.stop();
  });
});
