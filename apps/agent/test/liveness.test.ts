import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createWalletClient, http, type Address, type Hex } from "viem";
import { hardhat } from "viem/chains";
import { privateKeyToAccount } from "viem/accounts";
import { leaseEscrowAbi, leaseLivenessAbi, mockUsdcAbi } from "@gridlease/sdk/contracts.generated";
import { LeaseStatus, OUTAGE_STATUS } from "@gridlease/sdk/protocol";
import { startAnvilNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { AgentProcess } from "./helpers/agent-process";
import { PROVIDER_KEY, RENTER_KEY, usdc, type Market } from "./helpers/market";
import { prepareProviderHost, type ProviderHost } from "./helpers/provider-host";

// Issue 15: the agent answers outage reports on the leases it serves with a liveness proof, at once,
// and never for a lease whose workload it is not running. On anvil (a block every second, as
// `npm start` runs it): a proof must be over a block after the report's, so the chain has to move.

let node: HardhatNode;
let host: ProviderHost;
let market: Market;
let agent: AgentProcess;
let liveness: Address;
const renterWallet = () => createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(RENTER_KEY) });

async function send(wallet: ReturnType<typeof renterWallet>, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
  const receipt = await market.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return receipt;
}

/** The renter reports its own lease (it needs no approval), claiming the provider was last seen 10 s ago. */
async function renterReports(leaseId: bigint) {
  const block = await market.publicClient.getBlock({ blockTag: "latest" });
  return send(renterWallet(), liveness, leaseLivenessAbi, "reportOutage", [leaseId, block.timestamp - 10n]);
}

const outageOf = (leaseId: bigint) => market.publicClient.readContract({ address: liveness, abi: leaseLivenessAbi, functionName: "outage", args: [leaseId] });
const journalLines = async () =>
  (await readFile(path.join(host.dir, "agent-state/journal.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  node = await startAnvilNode();
  host = await prepareProviderHost(node.url);
  market = host.market;
  liveness = await market.publicClient.readContract({ ...market.escrow, functionName: "liveness" });
  // Report bonds are pulled from the renter.
  await send(renterWallet(), market.deployment.token.address, mockUsdcAbi, "approve", [liveness, usdc("1000")]);
  agent = new AgentProcess(host.configPath, host.env);
  await agent.waitForLine(/serving as/);
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await node?.stop();
});

describe("gridlease-agent serve answers outage reports", () => {
  it("refutes a report on a lease it serves within a cycle: the lease runs again and the bond goes to the provider", async () => {
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey, gpus: 1, hours: 4 });
    await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", leaseId))[0]);
    const providerBefore = await market.balanceOf(market.provider.address);
    const report = await renterReports(leaseId);
    expect(OUTAGE_STATUS[(await outageOf(leaseId)).status]).toBe("Reported");
    const bond = (await outageOf(leaseId)).bond;
    expect(bond).toBeGreaterThan(0n);

    const refuted = await market.waitFor(
      "OutageRefuted",
      async () =>
        (
          await market.publicClient.getContractEvents({
            address: liveness,
            abi: leaseLivenessAbi,
            eventName: "OutageRefuted",
            args: { leaseId },
            fromBlock: report.blockNumber,
          })
        )[0],
      30_000,
    );
    expect(refuted.args.provider).toBe(market.provider.address);
    // The proof is over a block after the report's, and the refutation landed within one agent cycle's
    // budget (≤ 10 s; here the poll is 0.2 s and anvil mines a block a second).
    expect(refuted.args.proofBlock!).toBeGreaterThan(report.blockNumber);
    const [reportedAt, refutedAt] = await Promise.all(
      [report.blockNumber, refuted.blockNumber].map(async (blockNumber) => (await market.publicClient.getBlock({ blockNumber })).timestamp),
    );
    expect(refutedAt! - reportedAt!).toBeLessThanOrEqual(10n);
    expect(OUTAGE_STATUS[(await outageOf(leaseId)).status]).toBe("Refuted");
    expect((await market.getLease(leaseId)).status).toBe(LeaseStatus.Active); // again
    expect(await market.balanceOf(market.provider.address)).toBe(providerBefore + bond);
    await agent.waitForLine(new RegExp(`lease ${leaseId}: refuted the outage reported by ${market.renter.address}`));
    const journal = await journalLines();
    const record = journal.find((r) => r.event === "outage-refuted" && r.leaseId === leaseId.toString());
    // First try: the proof's block hash is readable by the gas estimate before sending (no UnknownBlockHash retries).
    expect(journal.filter((r) => r.event === "outage-refute-failed")).toEqual([]);
    expect(record).toMatchObject({
      reportBlock: report.blockNumber.toString(),
      proofBlock: refuted.args.proofBlock!.toString(),
      txHash: refuted.transactionHash,
    });
  });

  it("does not refute a report on an active lease whose workload it is not running (accepted outside this agent's journal)", async () => {
    // The provider's key accepts a booking directly: as if an earlier agent with a lost journal had.
    // This agent never provisioned it, so a proof would claim a workload that is not running here.
    await agent.stop();
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey, gpus: 1, hours: 4 });
    const provider = createWalletClient({ chain: hardhat, transport: http(node.url), account: privateKeyToAccount(PROVIDER_KEY) });
    await send(provider, market.deployment.escrow.address, leaseEscrowAbi, "accept", [leaseId, "0x01" as Hex]);
    agent = new AgentProcess(host.configPath, host.env);
    await agent.waitForLine(/serving as/);
    const report = await renterReports(leaseId);
    await agent.waitForLine(new RegExp(`lease ${leaseId}: outage reported by ${market.renter.address}, not refuted: this agent never provisioned it`), 30_000);
    // Several cycles later it is still unanswered.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(OUTAGE_STATUS[(await outageOf(leaseId)).status]).toBe("Reported");
    expect((await outageOf(leaseId)).reportBlock).toBe(report.blockNumber);
    expect((await journalLines()).some((r) => r.event === "outage-refuted" && r.leaseId === leaseId.toString())).toBe(false);
  });
});
