import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { createWalletClient, http, keccak256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { USDC, type Simulator } from "../../../scripts/market/simulate";
import { acceptedLease, indexerOptions, query, waitForBlock } from "./fixtures";
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

describe("contracts v2 events", () => {
  it("records the dispute bond, the provider's answer, who got the bond back, and a cancelled unstake", async () => {
    const url = await postgres.create("v2");
    // 2 GPUs × 4 h at 5 USDC: a 40 USDC deposit.
    const { provider, renter, leaseId } = await acceptedLease(sim, deployment, {
      provider: 310,
      renter: 311,
      metadataURI: "ipfs://v2",
      price: 5n * USDC,
      gpus: 2,
      hours: 4,
    });
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
