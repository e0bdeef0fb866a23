// `pnpm bench:liveness` (issue 15): how long a renter of a dead provider keeps paying. On a local
// anvil chain at wall-clock time with the PRODUCTION liveness windows (sdk PRODUCTION_LIVENESS_CONFIG:
// grace 60 s, challenge window 120 s) and production agent intervals (heartbeat 60 s, poll 5 s), it
// starts provider fleets (real `gridlease-agent fleet` processes), books one lease per provider,
// starts the watcher (its own process, reporting providers silent for ONLINE_WINDOW_SECONDS), kills
// the fleets with SIGKILL a few seconds apart, and measures for every lease the time from the
// provider's last stored heartbeat to the block that refunded the renter (OutageSettled).
//
// Env: LIVENESS_OUTAGES (default 24, at least 20), LIVENESS_FLEETS (default 4).
import os from "node:os";
import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import { PRODUCTION_LIVENESS_CONFIG } from "@gridlease/sdk/liveness";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { CloseReason, LeaseStatus } from "@gridlease/sdk/protocol";
import { startLivenessStack, type LoggedProcess, type ProviderFixture } from "../apps/watcher/test/helpers/liveness-stack";

const OUTAGES = Math.max(20, Number(process.env.LIVENESS_OUTAGES ?? 24));
const FLEETS = Math.max(1, Number(process.env.LIVENESS_FLEETS ?? 4));
const PROVIDER_BASE = 140;
const RENTER_BASE = 220;
const WATCHER_INDEX = 94;
const KILL_SPACING_MS = 15_000;

const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  say(
    `starting: ${OUTAGES} outages over ${FLEETS} fleets, production windows ${JSON.stringify({ ...PRODUCTION_LIVENESS_CONFIG, minBond: String(PRODUCTION_LIVENESS_CONFIG.minBond) })}, watcher reports after ${ONLINE_WINDOW_SECONDS} s of silence; load ${load()}`,
  );
  const stack = await startLivenessStack({ liveness: PRODUCTION_LIVENESS_CONFIG, log: say });
  const loadSamples: number[] = [];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5_000);
  try {
    const providerIndices = Array.from({ length: OUTAGES }, (_, i) => PROVIDER_BASE + i);
    const renterIndices = Array.from({ length: OUTAGES }, (_, i) => RENTER_BASE + i);
    const providers = await stack.addProviders(providerIndices);
    await stack.addRenters(renterIndices);
    await Promise.all(
      renterIndices.map((r) => stack.send(r, stack.liveness, leaseLivenessAbi, "approveReporter", [localAccount(WATCHER_INDEX).address, true])),
    );
    say(`${OUTAGES} providers listed, ${OUTAGES} renters approved the watcher`);

    const groups: ProviderFixture[][] = Array.from({ length: FLEETS }, () => []);
    for (const [i, p] of providers.entries()) groups[i % FLEETS]!.push(p);
    const fleets: LoggedProcess[] = [];
    for (const [k, group] of groups.entries()) fleets.push(await stack.startFleet(`fleet-${k}`, group, { pollSeconds: 5, heartbeatSeconds: 60 }));
    const leaseOf = new Map<bigint, ProviderFixture>();
    for (const [i, provider] of providers.entries()) leaseOf.set(await stack.book(renterIndices[i]!, provider, 4), provider);
    for (const leaseId of leaseOf.keys()) {
      while ((await stack.leaseOf(leaseId)).status !== LeaseStatus.Active) await new Promise((r) => setTimeout(r, 500));
    }
    for (const provider of providers) {
      while (!stack.lastBeatAt.has(provider.address.toLowerCase())) await new Promise((r) => setTimeout(r, 500));
    }
    say(`${leaseOf.size} leases active, every provider heartbeating; starting the watcher`);
    await stack.startWatcher({ WATCHER_DEV_ACCOUNT: String(WATCHER_INDEX) });

    for (const [k, fleet] of fleets.entries()) {
      await fleet.kill9();
      say(`kill -9 fleet-${k} (${groups[k]!.length} providers); load ${load()}`);
      if (k < fleets.length - 1) await new Promise((r) => setTimeout(r, KILL_SPACING_MS));
    }

    const pending = new Set(leaseOf.keys());
    const results: { leaseId: bigint; seconds: number; refund: bigint }[] = [];
    const deadline = Date.now() + 12 * 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const leaseId of [...pending]) {
        const [settled] = await stack.publicClient.getContractEvents({
          address: stack.liveness,
          abi: leaseLivenessAbi,
          eventName: "OutageSettled",
          args: { leaseId },
          fromBlock: stack.deployment.escrow.deployBlock,
        });
        if (!settled) continue;
        const [closed] = await stack.publicClient.getContractEvents({
          address: stack.deployment.escrow.address,
          abi: leaseEscrowAbi,
          eventName: "LeaseClosed",
          args: { leaseId },
          fromBlock: settled.blockNumber,
          toBlock: settled.blockNumber,
        });
        const lease = await stack.leaseOf(leaseId);
        if (lease.closeReason !== CloseReason.ProviderOffline) throw new Error(`lease ${leaseId} closed with reason ${lease.closeReason}, not ProviderOffline`);
        const block = await stack.publicClient.getBlock({ blockNumber: settled.blockNumber });
        const lastBeatMs = stack.lastBeatAt.get(leaseOf.get(leaseId)!.address.toLowerCase())!;
        results.push({ leaseId, seconds: Number(block.timestamp) - lastBeatMs / 1000, refund: (closed!.args as { renterRefund: bigint }).renterRefund });
        pending.delete(leaseId);
        say(
          `lease ${leaseId}: renter refunded ${(Number((closed!.args as { renterRefund: bigint }).renterRefund) / 1e6).toFixed(2)} USDC, ${results.at(-1)!.seconds.toFixed(1)} s after the provider's last heartbeat (${results.length}/${leaseOf.size})`,
        );
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    if (pending.size > 0) throw new Error(`${pending.size} lease(s) were not settled within 12 minutes: ${[...pending].join(", ")}`);

    const sorted = results.map((r) => r.seconds).sort((a, b) => a - b);
    const loadMax = Math.max(...loadSamples);
    const loadMean = loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length;
    console.log("");
    console.log(
      `bench:liveness — ${results.length} outages, production windows (grace ${PRODUCTION_LIVENESS_CONFIG.grace} s, challenge ${PRODUCTION_LIVENESS_CONFIG.challengeWindow} s, report after ${ONLINE_WINDOW_SECONDS} s silent, heartbeat 60 s, agent poll 5 s, watcher cycle 5 s)`,
    );
    console.log("| outages | p50 | p95 | max | min | target p95 | load avg 1 min (mean / max during run) | cores |");
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    console.log(
      `| ${results.length} | ${percentile(sorted, 50).toFixed(1)} s | ${percentile(sorted, 95).toFixed(1)} s | ${sorted.at(-1)!.toFixed(1)} s | ${sorted[0]!.toFixed(1)} s | ≤ 300 s | ${loadMean.toFixed(2)} / ${loadMax.toFixed(2)} | ${os.cpus().length} |`,
    );
    const leastRefund = Math.min(...results.map((r) => Number(r.refund) / 1e6));
    console.log(`every renter refunded (least ${leastRefund.toFixed(2)} USDC); load now ${load()}`);
  } finally {
    clearInterval(sampler);
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:liveness failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
