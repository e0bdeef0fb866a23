import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, parseEventLogs, stringToHex } from "viem";
import type { Address, Hash, Hex } from "viem";
import { h100OfferSpec } from "./offer-spec";
import { LOCAL_LIVENESS_CONFIG } from "../../packages/sdk/src/liveness";
import { ARBITER_ROLE, CloseReason, LeaseStatus, OfferStatus, PAUSER_ROLE, ProviderStatus } from "../../packages/sdk/src/protocol";

export const USDC = 1_000_000n;
export const HOUR = 3600n;
export const DAY = 24n * HOUR;
export const MIN_STAKE = 100n * USDC;
export const COOLDOWN = 7n * DAY;
export const ACCEPT_WINDOW = 15n * 60n;
export const DISPUTE_GRACE = DAY;
export const DISPUTE_TIMEOUT = 3n * DAY;
export const FEE_BPS = 250;
/** The liveness windows and bond of the local profile (seconds; packages/sdk/src/liveness.ts). */
export const LIVENESS_CONFIG = LOCAL_LIVENESS_CONFIG;
/** Slash and bond terms of the local profile: no-show slash 10 % of the deposit, capped at 50 USDC per
 *  lease, none below a 10 USDC deposit; dispute bond 5 % of the deposit. */
export const SLASH_TERMS = {
  noShowSlashBps: 1_000,
  disputeBondBps: 500,
  maxSlashPerLease: 50n * USDC,
  minSlashableDeposit: 10n * USDC,
};
export function noShowSlashOf(deposit: bigint, terms = SLASH_TERMS) {
  if (deposit < terms.minSlashableDeposit) return 0n;
  const amount = (deposit * BigInt(terms.noShowSlashBps)) / 10_000n;
  return amount < terms.maxSlashPerLease ? amount : terms.maxSlashPerLease;
}
export function bondOf(deposit: bigint, terms = SLASH_TERMS) {
  return (deposit * BigInt(terms.disputeBondBps)) / 10_000n;
}
export const PRICE = 2n * USDC; // per GPU-hour
export const ENCRYPTION_KEY = keccak256(stringToHex("provider x25519 key"));
// Role ids and enums come from the sdk (enums generated from the compiler output by `pnpm gen:sdk`).
export { ARBITER_ROLE, CloseReason, LeaseStatus, OfferStatus, PAUSER_ROLE, ProviderStatus };
/** Same size as a real sealed box (32 + 24 + ~100 byte plaintext + 16 tag), so gas figures are realistic. */
export const REQUEST = keccak256Chain(172);

function keccak256Chain(bytes: number): Hex {
  let out = "";
  for (let seed = 0; out.length < bytes * 2; seed++) out += keccak256(stringToHex(`sealed-${seed}`)).slice(2);
  return `0x${out.slice(0, bytes * 2)}`;
}

export type TokenKind = "MockUSDC" | "BlocklistToken" | "FeeOnTransferToken" | "ReentrantToken";

export function offerSpec(overrides: Parameters<typeof h100OfferSpec>[1] = {}) {
  return h100OfferSpec(PRICE, overrides);
}

/** Deploys the escrow's linked libraries (once per chain state) and the escrow (or a test subclass). */
export async function deployEscrow(escrowName: string, args: readonly unknown[]) {
  const disputes = await hre.viem.deployContract("LeaseDisputes");
  const extensions = await hre.viem.deployContract("LeaseExtensions");
  const admin = await hre.viem.deployContract("LeaseEscrowAdmin");
  // The name is a runtime string (LeaseEscrow or a test subclass with the same constructor), so the
  // arguments cannot be typed from it; callers pass LeaseEscrow's (registry, config).
  // biome-ignore lint/suspicious/noExplicitAny: see above
  return hre.viem.deployContract(escrowName as "LeaseEscrow", args as any, {
    libraries: { LeaseDisputes: disputes.address, LeaseExtensions: extensions.address, LeaseEscrowAdmin: admin.address },
  });
}

/** Deploys token, registry and escrow (or a test subclass) with the local parameters and wires them. */
export async function deploySystem(tokenKind: TokenKind = "MockUSDC", escrowName = "LeaseEscrow") {
  const wallets = await hre.viem.getWalletClients();
  const [deployer, arbiter, treasury, provider, provider2, renter, renter2, stranger] = wallets;
  const publicClient = await hre.viem.getPublicClient();
  const token = await hre.viem.deployContract(tokenKind as "MockUSDC");
  const registry = await hre.viem.deployContract("ProviderRegistry", [token.address, MIN_STAKE, COOLDOWN, deployer.account.address, 0]);
  const escrowConfig = {
    admin: deployer.account.address,
    adminDelay: 0,
    treasury: treasury.account.address,
    feeBps: FEE_BPS,
    acceptWindow: ACCEPT_WINDOW,
    disputeGrace: DISPUTE_GRACE,
    disputeTimeout: DISPUTE_TIMEOUT,
    slash: SLASH_TERMS,
    liveness: LIVENESS_CONFIG,
  };
  const escrow = await deployEscrow(escrowName, [registry.address, escrowConfig]);
  await registry.write.setEscrow([escrow.address]);
  await escrow.write.setTokenAllowed([token.address, true]);
  await escrow.write.grantRole([ARBITER_ROLE, arbiter.account.address]);

  async function fund(account: Address, amount: bigint) {
    if (tokenKind === "MockUSDC") await token.write.faucet([account, amount]);
    // The other test tokens share BlocklistToken's mint(address, uint256).
    else await (await hre.viem.getContractAt("BlocklistToken", token.address)).write.mint([account, amount]);
  }
  for (const wallet of [provider, provider2, renter, renter2, stranger]) {
    await fund(wallet.account.address, 100_000n * USDC);
    for (const spender of [registry.address, escrow.address]) {
      await token.write.approve([spender, 2n ** 255n], { account: wallet.account });
    }
  }

  return {
    token,
    registry,
    escrow,
    publicClient,
    escrowConfig,
    fund,
    deployer,
    arbiter,
    treasury,
    provider,
    provider2,
    renter,
    renter2,
    stranger,
  };
}

export type System = Awaited<ReturnType<typeof deploySystem>>;

async function usdcSystem() {
  return deploySystem("MockUSDC");
}

async function offerState() {
  const system = await usdcSystem();
  await registerAndList(system);
  return { ...system, offerId: 1n };
}

/** A registered provider with one listed 8-GPU offer (id 1). */
export async function offerFixture() {
  return loadFixture(offerState);
}

/** The bare system: nobody registered yet. */
export async function systemFixture() {
  return loadFixture(usdcSystem);
}

async function pendingLeaseState() {
  const system = await usdcSystem();
  await registerAndList(system);
  await system.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: system.renter.account });
  return { ...system, offerId: 1n, leaseId: 1n, deposit: 2n * 10n * PRICE };
}

/** Lease 1: 2 GPUs × 10 h of offer 1, booked by `renter`, not yet accepted. */
export async function pendingLeaseFixture() {
  return loadFixture(pendingLeaseState);
}

async function activeLeaseState() {
  const system = await pendingLeaseState();
  await system.escrow.write.accept([1n, "0xabcd"], { account: system.provider.account });
  const acceptedAt = BigInt(await time.latest());
  return { ...system, acceptedAt, endsAt: acceptedAt + 10n * HOUR };
}

/** Lease 1 accepted: billing started at `acceptedAt`, ends at `endsAt`. */
export async function activeLeaseFixture() {
  return loadFixture(activeLeaseState);
}

async function disputedLeaseState() {
  const system = await activeLeaseState();
  await time.increase(HOUR - 1n); // the dispute lands exactly one hour into the lease
  await system.escrow.write.openDispute([1n, keccak256(stringToHex("logs")), "ipfs://evidence"], {
    account: system.renter.account,
  });
  return { ...system, disputedAt: BigInt(await time.latest()) };
}

/** Lease 1 disputed one hour after acceptance. */
export async function disputedLeaseFixture() {
  return loadFixture(disputedLeaseState);
}

export async function registerAndList(system: System, spec = offerSpec(), provider = system.provider) {
  await system.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, "ipfs://provider"], { account: provider.account });
  await system.registry.write.listOffer([spec], { account: provider.account });
}

/** Gross owed for `elapsed` seconds of a lease with this deposit and duration. */
export function accrual(deposit: bigint, durationHours: bigint, elapsed: bigint) {
  const capped = elapsed > durationHours * HOUR ? durationHours * HOUR : elapsed;
  return (deposit * capped) / (durationHours * HOUR);
}

export function feeOn(gross: bigint, bps = BigInt(FEE_BPS)) {
  return (gross * bps) / 10_000n;
}

export async function eventsOf<const TAbi extends readonly unknown[]>(system: System, abi: TAbi, hash: Hash) {
  const receipt = await system.publicClient.waitForTransactionReceipt({ hash });
  return parseEventLogs({ abi, logs: receipt.logs });
}

/** Sets the next block's timestamp so a transaction lands at exactly `at`. */
export async function atTimestamp(at: bigint) {
  await time.setNextBlockTimestamp(at);
}

export const addr = (a: string) => getAddress(a);

/** Instrumented bytecode costs more gas, so gas budgets are only asserted outside `pnpm coverage`. */
export const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";
