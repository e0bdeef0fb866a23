import hre from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress } from "viem";
import type { Hex, WalletClient } from "viem";
import { livenessProofFor } from "../../packages/sdk/src/liveness";
import { HOUR, LIVENESS_CONFIG, PRICE, REQUEST, USDC, deploySystem, registerAndList, type System, type TokenKind } from "../helpers/fixtures";

export const {
  challengeWindow: WINDOW,
  grace: GRACE,
  maxOutageAge: MAX_AGE,
} = {
  challengeWindow: BigInt(LIVENESS_CONFIG.challengeWindow),
  grace: BigInt(LIVENESS_CONFIG.grace),
  maxOutageAge: BigInt(LIVENESS_CONFIG.maxOutageAge),
};
/** Lease 1 is 2 GPUs × 10 h at PRICE: 40 USDC; 1 % of it is below the 1 USDC floor. */
export const DEPOSIT = 2n * 10n * PRICE;
export const MIN_BOND = LIVENESS_CONFIG.minBond;

/** The system with its LeaseLiveness (created by the escrow), approved for bonds by every test wallet. */
export async function withLiveness(system: System) {
  const liveness = await hre.viem.getContractAt("LeaseLiveness", await system.escrow.read.liveness());
  for (const wallet of [system.provider, system.provider2, system.renter, system.renter2, system.stranger]) {
    await system.token.write.approve([liveness.address, 2n ** 255n], { account: wallet.account });
  }
  return { ...system, liveness };
}

async function activeState(tokenKind: TokenKind = "MockUSDC") {
  const system = await withLiveness(await deploySystem(tokenKind));
  await registerAndList(system);
  await system.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: system.renter.account });
  await system.escrow.write.accept([1n, "0xabcd"], { account: system.provider.account });
  const acceptedAt = BigInt(await time.latest());
  // An hour into the lease, so that the cutoff lies well after acceptance.
  await time.increaseTo(acceptedAt + HOUR);
  return { ...system, leaseId: 1n, acceptedAt, endsAt: acceptedAt + 10n * HOUR };
}
export type LivenessSystem = Awaited<ReturnType<typeof activeState>>;

/** Lease 1 running for an hour (no report yet). */
export async function activeLeaseFixture() {
  return loadFixture(usdcActiveState);
}

async function usdcActiveState() {
  return activeState("MockUSDC");
}

async function blocklistActiveState() {
  return activeState("BlocklistToken");
}

/** As activeLeaseFixture with the BlocklistToken, whose owner can make transfers to an account fail. */
export async function blocklistActiveFixture() {
  return loadFixture(blocklistActiveState);
}

/** Reports an outage of lease 1 last seen `ago` seconds before the report lands; returns the report's facts. */
export async function report(s: LivenessSystem, ago = 60n, reporter: WalletClient = s.renter) {
  const at = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(at);
  const lastSeen = at - ago;
  const hash = await s.liveness.write.reportOutage([s.leaseId, lastSeen], { account: reporter.account! });
  const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
  return { hash, at, lastSeen, cutoff: lastSeen + GRACE, refutableUntil: at + WINDOW, reportBlock: receipt.blockNumber };
}

async function reportedState() {
  const s = await activeState();
  return { ...s, reported: await report(s) };
}

/** Lease 1 an hour in, reported by its renter (last seen 60 s before the report). */
export async function reportedFixture() {
  return loadFixture(reportedState);
}

/** A liveness proof over `blockNumber` (mined now if it is the next block) signed by `signer`. */
export async function proofOver(s: LivenessSystem, blockNumber: bigint, signer: WalletClient = s.provider, leaseId = s.leaseId): Promise<Hex> {
  const latest = await s.publicClient.getBlockNumber();
  if (blockNumber > latest) await mine(Number(blockNumber - latest));
  const block = await s.publicClient.getBlock({ blockNumber });
  const chainId = await s.publicClient.getChainId();
  return livenessProofFor(signer, { leaseId, blockNumber, blockHash: block.hash! }, { chainId, liveness: s.liveness.address });
}

export const quoted = (address: string) => `"${getAddress(address)}"`;
export { USDC };
