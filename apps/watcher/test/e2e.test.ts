import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, type Address } from "viem";
import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { LOCAL_LIVENESS_CONFIG, type LivenessConfig } from "@gridlease/sdk/liveness";
import { CloseReason, LeaseStatus, OUTAGE_STATUS } from "@gridlease/sdk/protocol";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { startLivenessStack, type LivenessStack, type LoggedProcess, type ProviderFixture } from "./helpers/liveness-stack";

// Issue 15, end to end on a real local chain with real processes: anvil at wall-clock time, the
// indexer, heartbeats stored by the web API's code, provider agents (`gridlease-agent fleet`) and the
// watcher (`apps/watcher`, its own process). No step below is manual: the test only kills and
// restarts agents and, once, lies as a renter.
//
// Test profile windows: grace 5 s, challenge window 30 s (the local profile's 15 s plus room for an
// agent restart on a loaded 2-core machine); the watcher reports providers silent for 10 s.
const WINDOWS: LivenessConfig = { ...LOCAL_LIVENESS_CONFIG, challengeWindow: 30 };
const OFFLINE_AFTER = 10;
const WATCHER_INDEX = 93;
const [KILLED, RESTARTED, LIED_ABOUT] = [130, 131, 132];
const [RENTER_A, RENTER_B, RENTER_C] = [210, 211, 212];
const INTERVALS = { pollSeconds: 0.5, heartbeatSeconds: 1 };

let stack: LivenessStack;
let providers: ProviderFixture[];
let lonelyFleet: LoggedProcess;
let sharedFleet: LoggedProcess;
const leases = new Map<number, bigint>();

const tokenBalance = (who: Address) =>
  stack.publicClient.readContract({ address: stack.deployment.token.address, abi: erc20Abi, functionName: "balanceOf", args: [who] });
const outageOf = (leaseId: bigint) =>
  stack.publicClient.readContract({ address: stack.liveness, abi: leaseLivenessAbi, functionName: "outage", args: [leaseId] });
const livenessEvents = (eventName: "OutageReported" | "OutageRefuted" | "OutageSettled", leaseId: bigint) =>
  stack.publicClient.getContractEvents({ address: stack.liveness, abi: leaseLivenessAbi, eventName, args: { leaseId } as never, fromBlock: 0n });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  stack = await startLivenessStack({ liveness: WINDOWS });
  providers = await stack.addProviders([KILLED, RESTARTED, LIED_ABOUT]);
  await stack.addRenters([RENTER_A, RENTER_B, RENTER_C]);
  // Each renter lets the watcher report for it ("Let the Gridlease watcher report outages for me").
  for (const renter of [RENTER_A, RENTER_B, RENTER_C]) {
    await stack.send(renter, stack.liveness, leaseLivenessAbi, "approveReporter", [localAccount(WATCHER_INDEX).address, true]);
  }
  lonelyFleet = await stack.startFleet("fleet-killed", [providers[0]!], INTERVALS);
  sharedFleet = await stack.startFleet("fleet-restarted", [providers[1]!, providers[2]!], INTERVALS);
  for (const [i, renter] of [RENTER_A, RENTER_B, RENTER_C].entries()) {
    const leaseId = await stack.book(renter, providers[i]!, 4);
    leases.set(providers[i]!.index, leaseId);
  }
  for (const [index, leaseId] of leases) {
    await waitFor(`lease ${leaseId} accepted`, async () => (await stack.leaseOf(leaseId)).status === LeaseStatus.Active, 60_000);
    await waitFor(`a heartbeat of provider #${index}`, async () => stack.lastBeatAt.has(localAccount(index).address.toLowerCase()), 30_000);
  }
  await stack.startWatcher({ WATCHER_DEV_ACCOUNT: String(WATCHER_INDEX), WATCHER_OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER), WATCHER_INTERVAL_SECONDS: "1" });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe("liveness end to end", () => {
  it("settles the lease of an agent killed with kill -9 with no manual step, refunding the renter from the cutoff", async () => {
    const leaseId = leases.get(KILLED)!;
    const provider = localAccount(KILLED).address;
    const renter = localAccount(RENTER_A).address;
    const lease = await stack.leaseOf(leaseId);
    await lonelyFleet.kill9();
    const killedAt = Math.floor(Date.now() / 1000);
    const lastBeat = Math.floor(stack.lastBeatAt.get(provider.toLowerCase())! / 1000);
    const renterBefore = await tokenBalance(renter);

    const [settled] = await waitFor(
      "OutageSettled",
      async () => (await livenessEvents("OutageSettled", leaseId)).length > 0 && livenessEvents("OutageSettled", leaseId),
      (OFFLINE_AFTER + WINDOWS.challengeWindow + 60) * 1000,
    );
    const outage = await outageOf(leaseId);
    expect(OUTAGE_STATUS[outage.status]).toBe("Settled");
    expect(outage.reporter).toBe(localAccount(WATCHER_INDEX).address);
    // lastSeen is the provider's last stored heartbeat (signed time, whole seconds) — never after the kill.
    expect(Number(outage.lastSeen)).toBeLessThanOrEqual(killedAt);
    expect(Number(outage.lastSeen)).toBeGreaterThanOrEqual(lastBeat - 2);
    expect(outage.cutoff).toBe(outage.lastSeen + BigInt(WINDOWS.grace));
    expect((settled!.args as { reporter?: Address }).reporter).toBe(localAccount(WATCHER_INDEX).address);

    const after = await stack.leaseOf(leaseId);
    expect(after.status).toBe(LeaseStatus.Closed);
    expect(after.closeReason).toBe(CloseReason.ProviderOffline);
    const [closed] = await stack.publicClient.getContractEvents({
      address: stack.deployment.escrow.address,
      abi: leaseEscrowAbi,
      eventName: "LeaseClosed",
      args: { leaseId },
      fromBlock: 0n,
    });
    const { renterRefund } = closed!.args as { renterRefund: bigint };
    // Paid only up to the cutoff: the renter gets the rest of the 4 h deposit back (plus the no-show slash).
    const accruedToCutoff = ((outage.cutoff - lease.acceptedAt) * 2n * 1_000_000n) / 3600n;
    expect(renterRefund).toBeGreaterThanOrEqual(lease.deposit - accruedToCutoff - 1n);
    expect(await tokenBalance(renter)).toBe(renterBefore + renterRefund);
  });

  it("keeps the lease of an agent restarted within the grace: it refutes, or no report is filed in time", async () => {
    const leaseId = leases.get(RESTARTED)!;
    await sharedFleet.kill9();
    sharedFleet = await stack.startFleet("fleet-restarted", [providers[1]!, providers[2]!], INTERVALS);
    // Long enough for a report on the dark spell and for its window to end.
    await new Promise((r) => setTimeout(r, (OFFLINE_AFTER + WINDOWS.challengeWindow + 5) * 1000));
    expect((await stack.leaseOf(leaseId)).status).toBe(LeaseStatus.Active);
    expect(await livenessEvents("OutageSettled", leaseId)).toHaveLength(0);
    const reports = await livenessEvents("OutageReported", leaseId);
    expect((await livenessEvents("OutageRefuted", leaseId)).length).toBe(reports.length);
  });

  it("refutes a renter's false report against a live agent, and the bond goes to the provider", async () => {
    const leaseId = leases.get(LIED_ABOUT)!;
    const provider = localAccount(LIED_ABOUT).address;
    const renter = localAccount(RENTER_C).address;
    const [providerBefore, renterBefore] = await Promise.all([tokenBalance(provider), tokenBalance(renter)]);
    const block = await stack.publicClient.getBlock({ blockTag: "latest" });
    const report = await stack.send(RENTER_C, stack.liveness, leaseLivenessAbi, "reportOutage", [leaseId, block.timestamp - 8n]);
    const bond = (await outageOf(leaseId)).bond;
    expect(bond).toBeGreaterThan(0n);

    const [refuted] = await waitFor(
      "OutageRefuted",
      async () => (await livenessEvents("OutageRefuted", leaseId)).find((e) => e.blockNumber > report.blockNumber),
      30_000,
    ).then((e) => [e]);
    const { provider: refutedBy, bond: paid } = refuted.args as { provider?: Address; bond?: bigint };
    expect(refutedBy).toBe(provider);
    expect(paid).toBe(bond);
    await sharedFleet.waitForLine(new RegExp(`lease ${leaseId}: refuted the outage reported by ${renter}`), 10_000);
    expect(OUTAGE_STATUS[(await outageOf(leaseId)).status]).toBe("Refuted");
    expect((await stack.leaseOf(leaseId)).status).toBe(LeaseStatus.Active);
    expect(await tokenBalance(provider)).toBe(providerBefore + bond);
    expect(await tokenBalance(renter)).toBe(renterBefore - bond);
  });
});
