import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress } from "viem";
import { HOUR, PRICE, REQUEST, USDC, deploySystem, registerAndList } from "../helpers/fixtures";

/** Keep 2 h left, spend at most 50 USDC in total, never above 3 USDC per GPU-hour. */
export const POLICY = {
  minSecondsLeft: 2 * 3600,
  maxHoursPerTopUp: 0,
  maxTotalSpend: 50n * USDC,
  maxPricePerGpuHour: 3n * USDC,
};
/** Lease 1 has 2 GPUs at PRICE: one more hour costs this much. */
export const HOUR_COST = 2n * PRICE;

async function topUpState() {
  const system = await deploySystem("MockUSDC");
  await registerAndList(system);
  await system.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: system.renter.account });
  await system.escrow.write.accept([1n, "0xabcd"], { account: system.provider.account });
  const acceptedAt = BigInt(await time.latest());
  const topUps = await hre.viem.deployContract("LeaseTopUps", [system.escrow.address]);
  // The renter lets LeaseTopUps pull top-ups; nobody else's allowance matters.
  await system.token.write.approve([topUps.address, 1_000n * USDC], { account: system.renter.account });
  return { ...system, topUps, leaseId: 1n, acceptedAt, endsAt: acceptedAt + 10n * HOUR, deposit: 2n * 10n * PRICE };
}

/** Lease 1 (2 GPUs × 10 h at PRICE, renter `renter`) running, LeaseTopUps deployed and approved, no policy yet. */
export async function topUpFixture() {
  return loadFixture(topUpState);
}

async function policyState() {
  const s = await topUpState();
  await s.topUps.write.setPolicy([1n, POLICY], { account: s.renter.account });
  return s;
}

/** As topUpFixture, with POLICY set on lease 1. */
export async function policyFixture() {
  return loadFixture(policyState);
}

export const quoted = (address: string) => `"${getAddress(address)}"`;
