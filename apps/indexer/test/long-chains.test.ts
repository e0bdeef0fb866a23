import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { encryptionKeyFor, offerSpec, USDC, type Simulator } from "../../../scripts/market/simulate";
import { cleanIndexDigest, indexerOptions, waitForBlock } from "./fixtures";
import { databaseDigest, DEPLOYER, deployContracts, startHardhatNode, startTestPostgres, type HardhatNode, type TestDatabase } from "./harness";

let node: HardhatNode;
let postgres: TestDatabase;
let deployment: GridleaseDeployment;
let sim: Simulator;

const PROVIDER = 120;

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTestPostgres()]);
  // Start the contracts in the 900s, so the index crosses block 1000 (3 → 4 digits) soon after.
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(node.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  await rpc("hardhat_mine", ["0x3b6"]); // 950 blocks, before the deployment: the indexer never reads them
  ({ deployment, sim } = await deployContracts(node.url));
  await sim.fund([PROVIDER], 100_000n, DEPLOYER);
  const provider = sim.account(PROVIDER);
  await sim.send(provider, "token", "approve", [deployment.registry.address, 10_000n * USDC]);
  await sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(PROVIDER), "ipfs://long-chain"]);
});
afterAll(async () => {
  await Promise.all([node?.stop(), postgres?.stop()]);
});

async function listOffer(salt: number): Promise<void> {
  await sim.send(sim.account(PROVIDER), "registry", "listOffer", [
    offerSpec({
      gpuModel: "L40S",
      gpuCount: 1 + (salt % 4),
      vramGb: 48,
      cpuCores: 12,
      ramGb: 96,
      diskGb: 1000,
      bandwidthMbps: 1000,
      region: "eu-west",
      pricePerGpuHour: BigInt(80 + salt) * (USDC / 100n),
      minHours: 1,
      maxHours: 48,
    }),
  ]);
}

/** Mines `count` blocks one at a time (hardhat_mine of many blocks leaves padding; see the next describe). */
async function mineOneByOne(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await sim.rpc("evm_mine");
}

describe("block numbers of different lengths", () => {
  it("a reorg after crossing block 999 → 1000 walks back from the highest stored block, not the highest as text", async () => {
    const url = await postgres.create("cross_1000");
    const start = await sim.publicClient.getBlockNumber();
    expect(start).toBeLessThan(990n);
    await mineOneByOne(Number(995n - start));
    let indexer = await startIndexer(indexerOptions(url, node.url, deployment));
    await waitForBlock(indexer, 995n);
    await indexer.stop();
    // Twenty empty blocks read as one range: the stored blocks are 995 (kept at the finality line) and 1015.
    await mineOneByOne(20);
    indexer = await startIndexer(indexerOptions(url, node.url, deployment));
    try {
      await waitForBlock(indexer, 1015n);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const stored = (await db.query<{ n: string }>("select number::text as n from indexed_block order by number")).rows.map((r) => Number(r.n));
      await db.end();
      expect(stored.some((n) => n < 1000)).toBe(true);
      expect(stored.some((n) => n >= 1000)).toBe(true);

      // A one-block reorg: the common ancestor is 1015, far above the finality line.
      const snapshot = await sim.rpc<string>("evm_snapshot");
      await listOffer(1);
      await waitForBlock(indexer, 1016n);
      expect(await sim.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      sim.resetNonces();
      await listOffer(2);
      await listOffer(3);
      await waitForBlock(indexer, 1017n);
      expect(indexer.status().error).toBeNull();
    } finally {
      await indexer.stop();
    }
    expect(await databaseDigest(url)).toEqual(await cleanIndexDigest(await postgres.create("cross_1000_clean"), node.url, deployment));
  });
});

describe("hardhat_mine padding", () => {
  it("indexes through blocks hardhat_mine leaves with a zero parentHash on the development chain, and still follows real reorgs", async () => {
    const url = await postgres.create("padding");
    const indexer = await startIndexer(indexerOptions(url, node.url, deployment));
    try {
      await indexer.ready;
      await listOffer(10);
      await sim.rpc("hardhat_mine", ["0x400"]);
      const padded = await sim.rpc<{ parentHash: string }>("eth_getBlockByNumber", [
        `0x${((await sim.publicClient.getBlockNumber()) - 500n).toString(16)}`,
        false,
      ]);
      expect(BigInt(padded.parentHash)).toBe(0n); // the chain really has such blocks
      await listOffer(11);
      await sim.rpc("hardhat_mine", ["0x400"]);
      await listOffer(12);
      await waitForBlock(indexer, await sim.publicClient.getBlockNumber(), 60_000);

      // A real reorg right after the padding is still caught and rolled back.
      const snapshot = await sim.rpc<string>("evm_snapshot");
      const base = await sim.publicClient.getBlockNumber();
      await listOffer(13);
      await waitForBlock(indexer, base + 1n);
      expect(await sim.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      sim.resetNonces();
      await listOffer(14);
      await listOffer(15);
      await waitForBlock(indexer, base + 2n);
      expect(indexer.status().error).toBeNull();
    } finally {
      await indexer.stop();
    }
    expect(await databaseDigest(url)).toEqual(await cleanIndexDigest(await postgres.create("padding_clean"), node.url, deployment));
  });
});
