import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, keccak256, stringToHex, type Address, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { leaseEscrowAbi, leaseTopUpsAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { TopUpKeeper, startTopUpKeeperFromEnv } from "../src/top-up-keeper";
import { h100OfferSpec } from "../../../test/helpers/offer-spec";

/**
 * The keeper against a real Hardhat node and the real contracts: leases are booked, accepted and opted
 * into auto top-up exactly as the web app does it, time passes on the chain, and each keeper round is
 * checked against what the contracts then hold.
 */

const USDC = 1_000_000n;
const PRICE = 2n * USDC;
const HOUR = 3600;

let node: HardhatNode;
let client: PublicClient;
let deployment: GridleaseDeployment;
const admin = localAccount(0);
const provider = localAccount(3);
const renter = localAccount(4);
const keeperAccount = localAccount(5);

function wallet(account = renter) {
  return createWalletClient({ account, chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } }, transport: http(node.url) });
}

async function send(account: typeof renter, request: Parameters<ReturnType<typeof wallet>["writeContract"]>[0]) {
  const hash = await wallet(account).writeContract(request as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
}

async function warp(seconds: number) {
  await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
  await client.request({ method: "evm_mine" as never, params: [] as never });
}

const now = async () => Number((await client.getBlock()).timestamp);
const lease = (id: bigint) => client.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "getLease", args: [id] });
const policy = (id: bigint) => client.readContract({ address: deployment.topUps.address, abi: leaseTopUpsAbi, functionName: "policyOf", args: [id] });

/** Books `hours` of 1 GPU as the renter, has the provider accept, and returns the lease id. */
async function runningLease(hours: number): Promise<bigint> {
  const escrow = { address: deployment.escrow.address, abi: leaseEscrowAbi } as const;
  await send(renter, { ...escrow, functionName: "book", args: [1n, 1, hours, PRICE, "0x01"] } as never);
  const id = (await client.readContract({ ...escrow, functionName: "nextLeaseId" })) - 1n;
  await send(provider, { ...escrow, functionName: "accept", args: [id, "0x02"] } as never);
  return id;
}

async function setPolicy(id: bigint, minSecondsLeft: number, maxTotalSpend: bigint) {
  await send(renter, {
    address: deployment.topUps.address,
    abi: leaseTopUpsAbi,
    functionName: "setPolicy",
    args: [id, { minSecondsLeft, maxHoursPerTopUp: 0, maxTotalSpend, maxPricePerGpuHour: PRICE }],
  } as never);
}

function keeper() {
  return new TopUpKeeper({
    publicClient: client,
    walletClient: wallet(keeperAccount),
    topUps: deployment.topUps.address,
    fromBlock: deployment.topUps.deployBlock,
  });
}

beforeAll(async () => {
  node = await startHardhatNode();
  client = createPublicClient({ chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } }, transport: http(node.url) }) as PublicClient;
  deployment = await deployGridlease({
    walletClient: wallet(admin),
    publicClient: client,
    arbiter: localAccount(1).address,
    treasury: localAccount(2).address,
  });
  const token = { address: deployment.token.address, abi: mockUsdcAbi } as const;
  for (const account of [provider, renter]) {
    await send(account, { ...token, functionName: "faucet", args: [account.address, 10_000n * USDC] } as never);
    for (const spender of [deployment.registry.address, deployment.escrow.address] as Address[]) {
      await send(account, { ...token, functionName: "approve", args: [spender, 2n ** 255n] } as never);
    }
  }
  // The renter's approval of LeaseTopUps, as the web form asks for it.
  await send(renter, { ...token, functionName: "approve", args: [deployment.topUps.address, 1_000n * USDC] } as never);
  const registry = { address: deployment.registry.address, abi: providerRegistryAbi } as const;
  await send(provider, { ...registry, functionName: "register", args: [100n * USDC, keccak256(stringToHex("key")), ""] } as never);
  await send(provider, {
    ...registry,
    functionName: "listOffer",
    args: [h100OfferSpec(PRICE)],
  } as never);
}, 240_000);

afterAll(async () => {
  await node?.stop();
});

describe("auto top-up keeper on a local chain", () => {
  it("keeps the lease from running out while under the cap, then stops at the cap", async () => {
    const id = await runningLease(2);
    const cap = 3n * PRICE; // three more hours of one GPU
    await setPolicy(id, HOUR, cap);
    const k = keeper();
    let toppedUp = 0;
    let capRefusal = "";
    // 20-minute steps over seven hours: without top-ups the 2 h lease would have ended after six steps.
    for (let step = 0; step < 21; step++) {
      await warp(20 * 60);
      const round = await k.round();
      toppedUp += round.toppedUp.length;
      capRefusal ||= round.refused.find((r) => r.reason.includes("cap"))?.reason ?? "";
      const { endsAt } = await lease(id);
      const { spent } = await policy(id);
      const left = Number(endsAt) - (await now());
      if (cap - spent >= PRICE) {
        // Under the cap: the round left at least the renter's threshold.
        expect(left, `step ${step}: under the cap with ${left} s left`).toBeGreaterThanOrEqual(HOUR);
      }
      expect(spent).toBeLessThanOrEqual(cap);
    }
    expect(toppedUp).toBe(3);
    expect((await policy(id)).spent).toBe(cap);
    expect((await lease(id)).durationHours).toBe(5);
    expect(capRefusal).toBe(`The auto top-up cap of lease #${id} is reached: 0 USDC is left, one more hour costs 2 USDC.`);
    // At the cap the lease runs out on its own (5 h from acceptance; seven hours have passed).
    expect(Number((await lease(id)).endsAt)).toBeLessThan(await now());
  });

  it("stops as soon as the renter revokes", async () => {
    const id = await runningLease(2);
    await setPolicy(id, HOUR, 100n * USDC);
    const k = keeper();
    await warp(70 * 60); // 50 min left: due
    expect((await k.round()).toppedUp.map((t) => t.leaseId)).toEqual([id]);
    await send(renter, { address: deployment.topUps.address, abi: leaseTopUpsAbi, functionName: "revoke", args: [id] } as never);
    const endsAt = (await lease(id)).endsAt;
    await warp(40 * 60); // below the threshold again
    const round = await k.round();
    expect(round.toppedUp).toEqual([]);
    expect(k.leases).not.toContain(id);
    expect((await lease(id)).endsAt).toBe(endsAt);
    // A keeper that starts only now never learns of the revoked policy at all.
    const fresh = keeper();
    await fresh.round();
    expect(fresh.leases).not.toContain(id);
  });

  it("does not spend before the lease is due, and leaves closed leases alone", async () => {
    const id = await runningLease(3);
    await setPolicy(id, HOUR, 100n * USDC);
    const k = keeper();
    const first = await k.round();
    expect(first.toppedUp.filter((t) => t.leaseId === id)).toEqual([]);
    // The refusal told the keeper when to look again, so the next round does not even simulate.
    const second = await k.round();
    expect(second.checked).toBeLessThan(second.watched);
    await send(renter, { address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "cancel", args: [id] } as never);
    await warp(3 * HOUR);
    await k.round();
    expect(k.leases).not.toContain(id);
    expect((await policy(id)).spent).toBe(0n);
  });

  it("starts from the environment on the local chain with its own funded account", async () => {
    const lines: string[] = [];
    const k = await startTopUpKeeperFromEnv({ CHAIN_ID: "31337", RPC_URL: node.url, TOP_UP_KEEPER_INTERVAL_MS: "200" }, (l) => lines.push(l));
    try {
      expect(k).toBeDefined();
      expect(lines.join("\n")).toContain(`against LeaseTopUps ${deployment.topUps.address}`);
    } finally {
      await k?.stop();
    }
    await expect(startTopUpKeeperFromEnv({ CHAIN_ID: "8453" }, () => {})).rejects.toThrow(/RPC_URL is required off the local chain/);
    await expect(startTopUpKeeperFromEnv({ CHAIN_ID: "8453", RPC_URL: node.url }, () => {})).rejects.toThrow(/TOP_UP_KEEPER_KEY is required/);
    expect(await startTopUpKeeperFromEnv({ CHAIN_ID: "31337", TOP_UP_KEEPER: "0" }, () => {})).toBeUndefined();
  });
});
