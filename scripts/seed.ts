/**
 * Seeds a realistic market on a local chain through the real contracts: dozens of providers (Hardhat
 * mnemonic accounts #100…) with H100/A100/L40S/RTX 4090/3090/A6000 listings across regions, renters
 * (#150…) booking them, accepts and declines, a cancellation, an extension, a resolved dispute,
 * price changes and completed leases. Idempotent: does nothing when the chain already has offers.
 *
 * Time: the seeded history spans about three hours of use. On a chain that starts that far in the
 * past (the local chain of `npm start`, scripts/stack/chain.ts) the seed lets exactly the time up to
 * the wall clock pass, so the history ends at "now" and every end time the UI shows is real. On a
 * chain already at the wall clock it fast-forwards three hours, as before, and says so.
 *
 * Env: RPC_URL (default http://127.0.0.1:8545), CHAIN_ID (default: the node's), ARBITER (default Hardhat #1).
 */
import { z } from "zod";
import type { Address } from "viem";
import { leaseEscrowAbi, providerRegistryAbi } from "../packages/sdk/src/contracts.generated";
import { ARBITER_ROLE } from "../packages/sdk/src/deploy";
import { getDeployment } from "../packages/sdk/src/deployments.generated";
import { buildMarket } from "./market/scenario";
import { Simulator } from "./market/simulate";

const HARDHAT_0: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const HARDHAT_1: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** Below this much room before the wall clock, leases booked for hours could not complete. */
const MIN_HISTORY_SECONDS = 2 * 3600;

const envSchema = z.object({
  RPC_URL: z.url({ error: "RPC_URL must be an http(s) URL" }).default("http://127.0.0.1:8545"),
  CHAIN_ID: z.coerce.number({ error: "CHAIN_ID must be a number" }).int().positive().optional(),
  ARBITER: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "ARBITER must be a 0x address")
    .optional(),
  SEED_PROVIDERS: z.coerce.number().int().min(1).max(90).default(36),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) throw new Error(`Bad seed configuration: ${parsed.error.issues[0]!.message}.`);
  const env = parsed.data;
  const started = Date.now();
  const probe = new Simulator(env.RPC_URL, env.CHAIN_ID ?? 31337, { token: HARDHAT_0, registry: HARDHAT_0, escrow: HARDHAT_0 });
  const nodeChainId = await probe.publicClient.getChainId().catch((error: Error) => {
    throw new Error(`Cannot reach the node at ${env.RPC_URL} (${error.message.split("\n")[0]}).`);
  });
  const chainId = env.CHAIN_ID ?? nodeChainId;
  if (chainId !== nodeChainId) throw new Error(`The node at ${env.RPC_URL} is chain ${nodeChainId}, not CHAIN_ID ${chainId}.`);
  const deployment = getDeployment(chainId);
  const sim = new Simulator(env.RPC_URL, chainId, {
    token: deployment.token.address,
    registry: deployment.registry.address,
    escrow: deployment.escrow.address,
  });
  const nextOfferId = await sim.publicClient.readContract({ address: deployment.registry.address, abi: providerRegistryAbi, functionName: "nextOfferId" });
  if (nextOfferId > 1n) {
    console.log(`seed: chain ${chainId} already has ${nextOfferId - 1n} offers; nothing to do.`);
    return;
  }
  const arbiterCandidates = [env.ARBITER as Address | undefined, HARDHAT_1, HARDHAT_0].filter((a): a is Address => !!a);
  let arbiter: Address | undefined;
  for (const candidate of arbiterCandidates) {
    if (
      await sim.publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "hasRole", args: [ARBITER_ROLE, candidate] })
    ) {
      arbiter = candidate;
      break;
    }
  }
  if (!arbiter) throw new Error("No unlocked account holds ARBITER_ROLE on the escrow; set ARBITER to one that does.");

  // A fresh block carries the chain's current time; the latest one may be older (automining).
  await sim.rpc("evm_mine");
  const latest = await sim.publicClient.getBlock({ blockTag: "latest" });
  const behind = Math.floor(Date.now() / 1000) - Number(latest.timestamp);
  const elapseSeconds = behind >= MIN_HISTORY_SECONDS ? behind : 3 * 3600;
  if (behind < MIN_HISTORY_SECONDS)
    console.log("seed: the chain's clock is not hours behind the wall clock; fast-forwarding it three hours, so it will run ahead of the wall clock.");

  const providers = Array.from({ length: env.SEED_PROVIDERS }, (_, i) => 100 + i);
  const renters = Array.from({ length: 12 }, (_, i) => 190 + i);
  const summary = await buildMarket(sim, {
    providerIndices: providers,
    renterIndices: renters,
    funder: HARDHAT_0,
    arbiter,
    seed: 2026,
    offersPerProvider: [1, 3],
    bookings: 24,
    elapseSeconds,
    log: (line) => console.log(`seed: ${line}`),
  });
  console.log(
    `seed: ${summary.providers} providers, ${summary.offers} offers, ${summary.leases} leases, ${summary.transactions} transactions in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
