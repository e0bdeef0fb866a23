import { billingHistory } from "@gridlease/db/billing";
import { leaseEscrowAbi, leaseTopUpsAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import pg from "pg";
import { createWalletClient, http, toHex, type PrivateKeyAccount } from "viem";
import { describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { encryptionKeyFor, offerSpec, USDC } from "../../../scripts/market/simulate";
import { indexerOptions, query, waitForBlock } from "./fixtures";
import { CHAIN_ID, DEPLOYER, useDeployedChain } from "./harness";

const chain = useDeployedChain();

async function mined(hash: `0x${string}`) {
  const receipt = await chain.sim.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/** A call to LeaseTopUps (the simulator knows only token, registry, escrow and liveness). */
async function topUps(account: PrivateKeyAccount, functionName: "setPolicy" | "topUp", args: readonly unknown[]) {
  const wallet = createWalletClient({ account, chain: chain.sim.publicClient.chain, transport: http(chain.node.url) });
  return mined(await wallet.writeContract({ address: chain.deployment.topUps.address, abi: leaseTopUpsAbi, functionName, args } as never));
}

describe("LeaseTopUps events", () => {
  it("are kept as raw events, and the billing history tells the top-up from the renter's own extension", async () => {
    const url = await chain.postgres.create("top_ups");
    const { sim, deployment } = chain;
    const [provider, renter, keeper] = [sim.account(500), sim.account(501), sim.account(502)];
    await sim.fund([500, 501, 502], 100_000n, DEPLOYER);
    await sim.send(provider, "token", "approve", [deployment.registry.address, 10_000n * USDC]);
    await sim.send(renter, "token", "approve", [deployment.escrow.address, 10n ** 15n]);
    await sim.send(renter, "token", "approve", [deployment.topUps.address, 100n * USDC]);
    await sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(500), "ipfs://top-ups"]);
    const offerId = await sim.publicClient.readContract({ address: deployment.registry.address, abi: providerRegistryAbi, functionName: "nextOfferId" });
    const price = 3n * USDC;
    await sim.send(provider, "registry", "listOffer", [
      offerSpec({
        gpuModel: "L40S",
        gpuCount: 2,
        vramGb: 48,
        cpuCores: 8,
        ramGb: 64,
        diskGb: 1000,
        bandwidthMbps: 1000,
        region: "eu-west",
        pricePerGpuHour: price,
        minHours: 1,
        maxHours: 48,
      }),
    ]);
    const leaseId = await sim.publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "nextLeaseId" });
    await sim.send(renter, "escrow", "book", [offerId, 1, 2, price, toHex("sealed-request")]);
    await sim.send(provider, "escrow", "accept", [leaseId, toHex("sealed-access")]);
    await sim.send(renter, "escrow", "extend", [leaseId, 1, price]); // the renter's own: 3 USDC
    // Keep 3.5 h on a 3 h lease: one whole hour is due at once, bought by the keeper from the renter's allowance.
    await topUps(renter, "setPolicy", [
      leaseId,
      { minSecondsLeft: 3 * 3600 + 1800, maxHoursPerTopUp: 0, maxTotalSpend: 30n * USDC, maxPricePerGpuHour: price },
    ]);
    const toppedUp = await topUps(keeper, "topUp", [leaseId]);

    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    try {
      await waitForBlock(indexer, toppedUp.blockNumber);
      const rows = await query<{ name: string; cost: string | null }>(
        url,
        `select name, args->>'cost' as cost from raw_event where address = $1 order by block_number, log_index`,
        [deployment.topUps.address.toLowerCase()],
      );
      expect(rows).toEqual([
        { name: "PolicySet", cost: null },
        { name: "LeaseToppedUp", cost: String(price) },
      ]);
      const db = new pg.Pool({ connectionString: url });
      try {
        const history = await billingHistory({ chainId: CHAIN_ID, account: renter.address.toLowerCase(), role: "renter", limit: 10, offset: 0 }, db);
        expect(history.entries.filter((e) => e.leaseId === leaseId.toString()).map((e) => `${e.kind}:${e.amount}`)).toEqual([
          `top_up:${-price}`,
          `extension:${-price}`,
          `deposit:${-2n * price}`,
        ]);
      } finally {
        await db.end();
      }
    } finally {
      await indexer.stop();
    }
  });
});
