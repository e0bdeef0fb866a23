import { billingHistory } from "@gridlease/db/billing";
import { leaseTopUpsAbi } from "@gridlease/sdk/contracts.generated";
import pg from "pg";
import { createWalletClient, http, type PrivateKeyAccount } from "viem";
import { describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { USDC } from "../../../scripts/market/simulate";
import { acceptedLease, indexerOptions, query, waitForBlock } from "./fixtures";
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
    const keeper = sim.account(502);
    await sim.fund([502], 100_000n, DEPLOYER);
    const price = 3n * USDC;
    const { renter, leaseId } = await acceptedLease(sim, deployment, {
      provider: 500,
      renter: 501,
      metadataURI: "ipfs://top-ups",
      price,
      gpus: 1,
      hours: 2,
      renterApprovals: [[deployment.topUps.address, 100n * USDC]],
    });
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
