import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createWalletClient, defineChain, http, type Hex } from "viem";
import { recordHeartbeat } from "@gridlease/db/heartbeats";
import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { LOCAL_LIVENESS_CONFIG, latestLivenessProof } from "@gridlease/sdk/liveness";
import { LeaseStatus, OUTAGE_STATUS } from "@gridlease/sdk/protocol";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { Watcher } from "../src/watcher";
import { CHAIN_ID, LoggedProcess, startLivenessStack, type LivenessStack, type ProviderFixture } from "./helpers/liveness-stack";

// The watcher against a real anvil chain, the real contracts, the real indexer and PostgreSQL. Leases
// are accepted with the provider's key directly and heartbeats stored with the web API's code, so each
// test decides exactly when a provider was last seen. Local windows: grace 5 s, challenge 15 s.

const WATCHER_INDEX = 91; // not the default #90: `npm start`'s watcher may be running on the dev chain
const APPROVING = 200;
const SILENT = 201;
const OFFLINE_AFTER = 8;

let stack: LivenessStack;
let db: pg.Pool;
let watcher: Watcher;
let dark: ProviderFixture;
let online: ProviderFixture;
const lines: string[] = [];

const chain = defineChain({
  id: CHAIN_ID,
  name: "local",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1"] } },
});

async function beat(provider: ProviderFixture, secondsAgo: number) {
  const account = localAccount(provider.index);
  const timestamp = Math.floor(Date.now() / 1000) - secondsAgo;
  const signature = await account.signTypedData({
    domain: heartbeatDomain({ chainId: CHAIN_ID, registry: stack.deployment.registry.address }),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: account.address, timestamp: BigInt(timestamp), offerIds: [provider.offerId] },
  });
  await recordHeartbeat({ provider: account.address, timestamp, offerIds: [provider.offerId.toString()], chainId: CHAIN_ID, signature }, Date.now(), db);
  return timestamp;
}

/** A booking accepted with the provider's own key (no agent), so nothing answers outage reports. */
async function activeLease(renterIndex: number, provider: ProviderFixture): Promise<bigint> {
  const leaseId = await stack.book(renterIndex, provider, 4);
  await stack.send(provider.index, stack.deployment.escrow.address, leaseEscrowAbi, "accept", [leaseId, "0x01" as Hex]);
  return leaseId;
}

async function indexed(leaseId: bigint, status: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await db.query("select status from lease where chain_id = $1 and lease_id = $2", [CHAIN_ID, leaseId.toString()]);
    if (rows[0]?.status === status) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`lease ${leaseId} was not indexed as ${status}`);
}

async function waitForBlockAfter(block: bigint) {
  while ((await stack.publicClient.getBlockNumber({ cacheTime: 0 })) <= block) await new Promise((r) => setTimeout(r, 200));
}

const outageOf = (leaseId: bigint) =>
  stack.publicClient.readContract({ address: stack.liveness, abi: leaseLivenessAbi, functionName: "outage", args: [leaseId] });
const reportsOf = (leaseId: bigint) =>
  stack.publicClient.getContractEvents({ address: stack.liveness, abi: leaseLivenessAbi, eventName: "OutageReported", args: { leaseId }, fromBlock: 0n });

beforeAll(async () => {
  stack = await startLivenessStack({ liveness: LOCAL_LIVENESS_CONFIG });
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  db.on("error", () => undefined); // an idle connection cut when PostgreSQL stops after the suite
  [dark, online] = await stack.addProviders([120, 121]);
  await stack.addRenters([APPROVING, SILENT, WATCHER_INDEX]);
  await stack.send(APPROVING, stack.liveness, leaseLivenessAbi, "approveReporter", [localAccount(WATCHER_INDEX).address, true]);
  watcher = new Watcher({
    db,
    chainId: CHAIN_ID,
    publicClient: stack.publicClient,
    walletClient: createWalletClient({
      chain: { ...chain, rpcUrls: { default: { http: [stack.rpcUrl] } } },
      transport: http(stack.rpcUrl),
      account: localAccount(WATCHER_INDEX),
    }),
    escrow: stack.deployment.escrow.address,
    liveness: stack.liveness,
    deployBlock: stack.deployment.escrow.deployBlock,
    offlineAfterSeconds: OFFLINE_AFTER,
    log: (line) => lines.push(line),
  });
}, 240_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

describe("watcher", () => {
  let approvedLease: bigint;
  let silentLease: bigint;
  let onlineLease: bigint;
  let lastSeen: number;

  it("reports a dark provider's lease only for a renter who approved it, with the last heartbeat as lastSeen and the bond pulled", async () => {
    approvedLease = await activeLease(APPROVING, dark);
    silentLease = await activeLease(SILENT, dark);
    onlineLease = await activeLease(APPROVING, online);
    await Promise.all([indexed(approvedLease, "Active"), indexed(silentLease, "Active"), indexed(onlineLease, "Active")]);
    // The accept itself is a sign of life: the dark provider's last beat comes after it, then silence.
    lastSeen = await beat(dark, 0);
    await new Promise((r) => setTimeout(r, (OFFLINE_AFTER + 2) * 1000));
    await beat(online, 1);
    const bond = await stack.publicClient.readContract({ address: stack.liveness, abi: leaseLivenessAbi, functionName: "bondOf", args: [approvedLease] });

    const result = await watcher.cycle();
    expect(result.reported, `${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? String(v) : v))}\n${lines.join("\n")}`).toEqual([approvedLease]);
    // Only leases of renters who approved the watcher are looked at: the silent renter's is not its to report.
    expect(result.watched).toBe(2);
    expect(result.dark).toBe(1);
    const outage = await outageOf(approvedLease);
    expect(OUTAGE_STATUS[outage.status]).toBe("Reported");
    expect(outage.reporter).toBe(localAccount(WATCHER_INDEX).address);
    expect(outage.lastSeen).toBe(BigInt(lastSeen));
    expect(outage.cutoff).toBe(BigInt(lastSeen + LOCAL_LIVENESS_CONFIG.grace));
    expect(outage.bond).toBe(bond);
    expect(OUTAGE_STATUS[(await outageOf(silentLease)).status]).toBe("None");
    expect(OUTAGE_STATUS[(await outageOf(onlineLease)).status]).toBe("None");
  });

  it("never reports a lease twice, even while the index still lists it as active", async () => {
    // Straight after the report the index may or may not have seen it; either way the chain is asked first.
    const again = await watcher.cycle();
    expect(again.reported).toEqual([]);
    expect(await reportsOf(approvedLease)).toHaveLength(1);
  });

  it("settles its own and the renter's expired reports after the window: the lease closes as ProviderOffline and the renter is refunded from the cutoff", async () => {
    // The silent renter reports its own lease (no approval needed); the watcher settles it all the same.
    const block = await stack.publicClient.getBlock({ blockTag: "latest" });
    await stack.send(SILENT, stack.liveness, leaseLivenessAbi, "reportOutage", [silentLease, block.timestamp - 10n]);
    const early = await watcher.cycle();
    expect(early.settled).toEqual([]); // both windows still open
    await new Promise((r) => setTimeout(r, (LOCAL_LIVENESS_CONFIG.challengeWindow + 2) * 1000));

    const lease = await stack.leaseOf(approvedLease);
    const settled = await watcher.cycle();
    expect([...settled.settled].sort()).toEqual([approvedLease, silentLease].sort());
    for (const id of [approvedLease, silentLease]) {
      expect(OUTAGE_STATUS[(await outageOf(id)).status]).toBe("Settled");
      const after = await stack.leaseOf(id);
      expect(after.status).toBe(LeaseStatus.Closed);
    }
    // The renter got back everything after the cutoff: the provider was paid only up to it.
    const [closed] = await stack.publicClient.getContractEvents({
      address: stack.deployment.escrow.address,
      abi: leaseEscrowAbi,
      eventName: "LeaseClosed",
      args: { leaseId: approvedLease },
      fromBlock: 0n,
    });
    const cutoff = BigInt(lastSeen + LOCAL_LIVENESS_CONFIG.grace);
    const perSecond = (2n * 1_000_000n) / 3600n; // 1 GPU × 2 USDC/h
    const accrued = ((cutoff - lease.acceptedAt) * 2n * 1_000_000n) / 3600n;
    const args = closed!.args as Record<string, bigint>;
    expect(args.renterRefund).toBeGreaterThanOrEqual(lease.deposit - accrued - perSecond);
    expect(await reportsOf(approvedLease)).toHaveLength(1);
    expect(lines.some((l) => l.includes(`lease ${approvedLease}: settled the outage`))).toBe(true);
  });

  it("does not report again after a refutation until a heartbeat arrives after it (stuck heartbeats must not cost a bond per cycle)", async () => {
    const [mute] = await stack.addProviders([122]);
    const leaseId = await activeLease(APPROVING, mute!);
    await indexed(leaseId, "Active");
    await beat(mute!, 0);
    await new Promise((r) => setTimeout(r, (OFFLINE_AFTER + 2) * 1000));
    expect((await watcher.cycle()).reported).toEqual([leaseId]);
    const reported = await outageOf(leaseId);
    // The provider's agent is alive but its heartbeats do not reach the web app: it refutes (here the test signs as the agent would).
    await waitForBlockAfter(reported.reportBlock);
    const proof = await latestLivenessProof({
      signer: localAccount(mute!.index),
      client: stack.publicClient,
      leaseId,
      reportBlock: reported.reportBlock,
      deployment: { chainId: CHAIN_ID, liveness: stack.liveness },
    });
    await stack.send(mute!.index, stack.liveness, leaseLivenessAbi, "refuteOutage", [leaseId, proof.blockNumber, proof.signature]);
    expect(OUTAGE_STATUS[(await outageOf(leaseId)).status]).toBe("Refuted");
    await indexed(leaseId, "Active"); // so the lease is a candidate again, with its old heartbeat

    expect((await watcher.cycle()).reported).toEqual([]);
    expect(lines.some((l) => l.includes(`lease ${leaseId}: no heartbeat since its provider refuted the last report`))).toBe(true);
    // Heartbeats resume, then stop again: that is a new outage.
    await beat(mute!, 0);
    await new Promise((r) => setTimeout(r, (OFFLINE_AFTER + 2) * 1000));
    expect((await watcher.cycle()).reported).toEqual([leaseId]);
    expect(await reportsOf(leaseId)).toHaveLength(2);
  });

  it("keeps running through an unreachable database, saying so each cycle", async () => {
    const process_ = new LoggedProcess("watcher", process.execPath, ["--import", "tsx", "apps/watcher/src/main.ts"], {
      ...process.env,
      DATABASE_URL: "postgresql://gridlease@127.0.0.1:1/gridlease",
      RPC_URL: stack.rpcUrl,
      ESCROW_ADDRESS: stack.deployment.escrow.address,
      DEPLOY_BLOCK: String(stack.deployment.escrow.deployBlock),
      WATCHER_DEV_ACCOUNT: String(WATCHER_INDEX + 1),
      WATCHER_INTERVAL_SECONDS: "0.5",
    });
    try {
      await process_.waitForLine(/watcher: watching as 0x/, 60_000);
      await process_.waitForLine(/cycle failed, retrying in 0\.5 s: .*(ECONNREFUSED|connect)/i, 30_000);
      const failures = () => process_.lines.filter((l) => /cycle failed, retrying/.test(l)).length;
      const deadline = Date.now() + 20_000;
      while (failures() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(failures()).toBeGreaterThanOrEqual(2);
      expect(process_.running).toBe(true);
    } finally {
      await process_.stop();
    }
  });

  it("refuses a development account off the local chain, in one sentence", async () => {
    const run = new LoggedProcess("watcher", process.execPath, ["--import", "tsx", "apps/watcher/src/main.ts"], {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      CHAIN_ID: "1",
      WATCHER_DEV_ACCOUNT: "90",
    });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.lines.join("\n")).toContain("WATCHER_KEY_FILE is required off the local chain");
  });
});
