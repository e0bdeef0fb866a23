import { describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { cleanIndexDigest, indexerOptions, seedSmallMarket } from "./fixtures";
import { databaseDigest, deployContracts, startHardhatNode, useTestPostgres } from "./harness";

const postgres = useTestPostgres();

describe("restarted chain", () => {
  it("re-indexes from scratch when the chain behind RPC_URL is a new one (restarted Hardhat node)", async () => {
    const url = await postgres().create("restarted");
    const lines: string[] = [];

    const first = await startHardhatNode();
    const one = await deployContracts(first.url);
    await seedSmallMarket(one.sim, 5);
    const firstIndexer = await startIndexer(indexerOptions(url, first.url, one.deployment));
    await firstIndexer.ready;
    await firstIndexer.stop();
    const before = await databaseDigest(url);
    await first.stop();

    // Same chain id, same contract addresses (same deployer nonces), different blocks and history.
    const second = await startHardhatNode();
    try {
      const two = await deployContracts(second.url);
      expect(two.deployment.registry.address).toBe(one.deployment.registry.address);
      await seedSmallMarket(two.sim, 6, 30);
      const indexer = await startIndexer(indexerOptions(url, second.url, two.deployment, { log: (line) => lines.push(line) }));
      await indexer.ready;
      await indexer.stop();
      const after = await databaseDigest(url);
      expect(after).not.toEqual(before);
      expect(after).toEqual(await cleanIndexDigest(await postgres().create("restarted_clean"), second.url, two.deployment));
      expect(lines.join("\n")).toMatch(/new chain or deployment .* re-indexing from scratch/);
    } finally {
      await second.stop();
    }
  });
});
