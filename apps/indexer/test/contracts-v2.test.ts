import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { createWalletClient, http, keccak256, toHex, type PrivateKeyAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { encryptionKeyFor, offerSpec, USDC, type Simulator } from "../../../scripts/market/simulate";
import { indexerOptions, query, waitForBlock } from "./fixtures";
import { DEPLOYER, deployContracts, startHardhatNode, startTestPostgres, type HardhatNode, type TestDatabase } from "./harness";

let node: HardhatNode;
let postgres: TestDatabase;
let deployment: GridleaseDeployment;
let sim: Simulator;

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTestPostgres()]);
  ({ deployment, sim } = await deployContracts(node.url));
});
afterAll(async () => {
  await Promise.all([node?.stop(), postgres?.stop()]);
});

const read = async (contract: "registry" | "escrow", name: "nextOfferId" | "nextLeaseId") =>
  (await sim.publicClient.readContract({
    address: deployment[contract].address,
    abi: (contract === "registry" ? providerRegistryAbi : leaseEscrowAbi) as never,
    functionName: name as never,
  })) as bigint;

describe("contracts v2 events", () => {
  it("records the dispute bond, the provider's answer, who got the bond back, and a cancelled unstake", async () => {
    const url = await postgres.create("v2");
    const [provider, renter]: PrivateKeyAccount[] = [sim.account(310), sim.account(311)];
    await sim.fund([310, 311], 100_000n, DEPLOYER);
    await sim.send(provider, "token", "approve", [deployment.registry.address, 10_000n * USDC]);
    await sim.send(renter, "token", "approve", [deployment.escrow.address, 10n ** 15n]);
    await sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(310), "ipfs://v2"]);
    const offerId = await read("registry", "nextOfferId");
    const price = 5n * USDC;
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
    const leaseId = await read("escrow", "nextLeaseId");
    await sim.send(renter, "escrow", "book", [offerId, 2, 4, price, toHex("sealed-request")]); // 40 USDC deposit
    await sim.send(provider, "escrow", "accept", [leaseId, toHex("sealed-access")]);
    await sim.send(renter, "escrow", "openDispute", [leaseId, keccak256(toHex("no gpu")), "ipfs://evidence"]);
    await sim.send(provider, "escrow", "answerDispute", [leaseId, keccak256(toHex("gpu logs")), "ipfs://answer"]);
    // The deployer holds ARBITER_ROLE on the test deployment; it rules against the renter.
    const arbiter = createWalletClient({ account: DEPLOYER, transport: http(node.url) });
    const lease = await sim.publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "getLease", args: [leaseId] });
    const hash = await arbiter.writeContract({
      address: deployment.escrow.address,
      abi: leaseEscrowAbi,
      functionName: "resolveDispute",
      chain: null,
      args: [leaseId, 0n, lease.deposit - lease.paidGross, 0n, false],
    });
    expect((await sim.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await sim.send(provider, "registry", "requestUnstake", [100n * USDC]);
    await sim.send(provider, "registry", "cancelUnstake", []);

    const indexer = await startIndexer(indexerOptions(url, node.url, deployment));
    try {
      await waitForBlock(indexer, await sim.publicClient.getBlockNumber());
      expect(indexer.status().error).toBeNull();
      const [dispute] = await query<{ bond: string; bond_to: string; answer_hash: string; answer_uri: string; status: string }>(
        url,
        "select bond::text, bond_to, answer_hash, answer_uri, status from dispute where lease_id = $1",
        [leaseId.toString()],
      );
      expect(dispute).toEqual({
        bond: (2n * USDC).toString(), // 5 % of the 40 USDC deposit
        bond_to: provider.address.toLowerCase(),
        answer_hash: keccak256(toHex("gpu logs")),
        answer_uri: "ipfs://answer",
        status: "Resolved",
      });
      const [row] = await query<{ pending_unstake: string; unstake_available_at: string | null }>(
        url,
        "select pending_unstake::text, unstake_available_at::text from provider where address = $1",
        [provider.address.toLowerCase()],
      );
      expect(row).toEqual({ pending_unstake: "0", unstake_available_at: null });
    } finally {
      await indexer.stop();
    }
  });
});
