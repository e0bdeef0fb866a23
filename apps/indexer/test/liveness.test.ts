import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { latestLivenessProof } from "@gridlease/sdk/liveness";
import type { PrivateKeyAccount } from "viem";
import { describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { USDC } from "../../../scripts/market/simulate";
import { acceptedLease, cleanIndexDigest, indexerOptions, query, waitForBlock } from "./fixtures";
import { CHAIN_ID, databaseDigest, DEPLOYER, useDeployedChain } from "./harness";

const chain = useDeployedChain();

/** A running lease of `provider` for `renter` (2 GPUs × 4 h at 5 USDC = 40 USDC), both funded; returns its id. */
async function runningLease(providerIndex: number, renterIndex: number) {
  return acceptedLease(chain.sim, chain.deployment, {
    provider: providerIndex,
    renter: renterIndex,
    metadataURI: "ipfs://liveness",
    price: 5n * USDC,
    gpus: 2,
    hours: 4,
    renterApprovals: [[chain.deployment.liveness.address, 10n ** 15n]],
  });
}

async function mined(hash: `0x${string}`) {
  const receipt = await chain.sim.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function report(reporter: PrivateKeyAccount, leaseId: bigint, ago = 30n) {
  const block = await chain.sim.publicClient.getBlock();
  return mined(await chain.sim.send(reporter, "liveness", "reportOutage", [leaseId, block.timestamp + 1n - ago]));
}

async function refute(provider: PrivateKeyAccount, leaseId: bigint, reportBlock: bigint) {
  await chain.sim.rpc("evm_mine"); // the proof must be over a block after the report's
  const proof = await latestLivenessProof({
    signer: provider,
    client: chain.sim.publicClient,
    leaseId,
    reportBlock,
    deployment: { chainId: CHAIN_ID, liveness: chain.deployment.liveness.address },
  });
  return mined(await chain.sim.send(provider, "liveness", "refuteOutage", [leaseId, proof.blockNumber, proof.signature]));
}

async function settleAfterWindow(leaseId: bigint, by: PrivateKeyAccount) {
  const window = await chain.sim.publicClient.readContract({
    address: chain.deployment.liveness.address,
    abi: leaseLivenessAbi,
    functionName: "challengeWindow",
  });
  await chain.sim.rpc("evm_increaseTime", [Number(window) + 1]);
  return mined(await chain.sim.send(by, "liveness", "settleOutage", [leaseId]));
}

describe("liveness events", () => {
  it("records approvals, each outage report of a lease, its refutation or settlement, the lease's status and the provider's SLA counts", async () => {
    const url = await chain.postgres.create("liveness");
    const { provider, renter, leaseId } = await runningLease(400, 401);
    const watcher = chain.sim.account(402);
    await chain.sim.fund([402], 1_000n, DEPLOYER);
    await chain.sim.send(watcher, "token", "approve", [chain.deployment.liveness.address, 10n ** 15n]);
    await mined(await chain.sim.send(renter, "liveness", "approveReporter", [watcher.address, true]));
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    try {
      // 1. The watcher reports; the provider's agent refutes.
      const first = await report(watcher, leaseId);
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      const [suspended] = await query<{ status: string; outages_reported: number }>(url, "select status, outages_reported from lease where lease_id = $1", [
        leaseId.toString(),
      ]);
      expect(suspended).toEqual({ status: "Suspended", outages_reported: 1 });
      const refuted = await refute(provider, leaseId, first.blockNumber);
      // 2. The renter reports again; nobody refutes; anyone settles after the window.
      const second = await report(renter, leaseId, 40n);
      const settled = await settleAfterWindow(leaseId, watcher);
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      expect(indexer.status().error).toBeNull();

      const outages = await query<Record<string, unknown>>(
        url,
        `select outage_id, seq, reporter, provider, renter, status, bond::text, last_seen::text, cutoff::text, reported_block::text, reported_tx_hash,
                refuted_block::text, refuted_tx_hash, proof_block::text, settled_block::text, settled_tx_hash
         from lease_outage where lease_id = $1 order by seq`,
        [leaseId.toString()],
      );
      // The chain keeps only the latest report; the index keeps both.
      const latest = await chain.sim.publicClient.readContract({
        address: chain.deployment.liveness.address,
        abi: leaseLivenessAbi,
        functionName: "outage",
        args: [leaseId],
      });
      expect(outages).toEqual([
        expect.objectContaining({
          outage_id: `${leaseId}:1`,
          seq: 1,
          reporter: watcher.address.toLowerCase(),
          provider: provider.address.toLowerCase(),
          renter: renter.address.toLowerCase(),
          status: "Refuted",
          bond: (1n * USDC).toString(),
          reported_block: first.blockNumber.toString(),
          reported_tx_hash: first.transactionHash,
          refuted_block: refuted.blockNumber.toString(),
          refuted_tx_hash: refuted.transactionHash,
          proof_block: (refuted.blockNumber - 1n).toString(),
          settled_block: null,
        }),
        expect.objectContaining({
          outage_id: `${leaseId}:2`,
          seq: 2,
          reporter: renter.address.toLowerCase(),
          status: "Settled",
          last_seen: latest.lastSeen.toString(),
          cutoff: latest.cutoff.toString(),
          reported_block: second.blockNumber.toString(),
          settled_block: settled.blockNumber.toString(),
          settled_tx_hash: settled.transactionHash,
          refuted_block: null,
        }),
      ]);
      const [lease] = await query<{ status: string; close_reason: string; outages_reported: number; renter_refund: string }>(
        url,
        "select status, close_reason, outages_reported, renter_refund::text from lease where lease_id = $1",
        [leaseId.toString()],
      );
      const onChain = await chain.sim.publicClient.readContract({
        address: chain.deployment.escrow.address,
        abi: leaseEscrowAbi,
        functionName: "getLease",
        args: [leaseId],
      });
      expect(lease).toEqual({
        status: "Closed",
        close_reason: "ProviderOffline",
        outages_reported: 2,
        renter_refund: (onChain.deposit - onChain.paidGross).toString(),
      });
      const [sla] = await query(url, "select outages_reported, outages_refuted, outages_settled from provider where address = $1", [
        provider.address.toLowerCase(),
      ]);
      expect(sla).toEqual({ outages_reported: 2, outages_refuted: 1, outages_settled: 1 });
      const approvals = await query(url, "select renter, reporter, approved from reporter_approval");
      expect(approvals).toEqual([{ renter: renter.address.toLowerCase(), reporter: watcher.address.toLowerCase(), approved: true }]);
      // The index equals a clean index of the same chain (replaying every event once more changes nothing).
      expect(await databaseDigest(url)).toEqual(await cleanIndexDigest(await chain.postgres.create("liveness_clean"), chain.node.url, chain.deployment));
    } finally {
      await indexer.stop();
    }
  });

  it("rolls outage rows and the lease's status back on a reorg", async () => {
    const url = await chain.postgres.create("liveness_reorg");
    const { provider, renter, leaseId } = await runningLease(410, 411);
    const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment));
    try {
      const reported = await report(renter, leaseId);
      const snapshot = await chain.sim.rpc<string>("evm_snapshot");
      await refute(provider, leaseId, reported.blockNumber);
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      expect((await query(url, "select status from lease_outage where outage_id = $1", [`${leaseId}:1`]))[0]).toEqual({ status: "Refuted" });
      // The refutation is reorged away; on the surviving chain the report is settled instead.
      expect(await chain.sim.rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      chain.sim.resetNonces();
      await chain.sim.rpc("evm_mine");
      await chain.sim.rpc("evm_mine");
      await settleAfterWindow(leaseId, chain.sim.account(411));
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      expect(indexer.status().error).toBeNull();
      expect((await query(url, "select status from lease_outage where outage_id = $1", [`${leaseId}:1`]))[0]).toEqual({ status: "Settled" });
      expect((await query(url, "select status, close_reason from lease where lease_id = $1", [leaseId.toString()]))[0]).toEqual({
        status: "Closed",
        close_reason: "ProviderOffline",
      });
      expect(await databaseDigest(url)).toEqual(await cleanIndexDigest(await chain.postgres.create("liveness_reorg_clean"), chain.node.url, chain.deployment));
    } finally {
      await indexer.stop();
    }
  });
});
