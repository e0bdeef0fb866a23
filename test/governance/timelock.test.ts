import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeFunctionData, getAddress, toHex, zeroHash } from "viem";
import { customError } from "../helpers/errors";
import { DAY, HOUR, PAUSER_ROLE, PRICE, REQUEST, atTimestamp, deploySystem, registerAndList } from "../helpers/fixtures";

/** The public-chain minimum (docs/protocol.md, "Trust model"). */
const MIN_DELAY = 2n * DAY;

/** The system as the deploy script leaves it: the timelock is the only admin, a guardian may pause. */
async function governedSystem() {
  const s = await deploySystem();
  await registerAndList(s);
  const proposer = s.deployer;
  const timelock = await hre.viem.deployContract("GridleaseTimelock", [MIN_DELAY, [proposer.account.address], [proposer.account.address]]);
  const guardian = s.stranger;
  await s.registry.write.grantRole([PAUSER_ROLE, guardian.account.address]);
  await s.registry.write.beginDefaultAdminTransfer([timelock.address]);
  await s.escrow.write.grantRole([PAUSER_ROLE, guardian.account.address]);
  await s.escrow.write.beginDefaultAdminTransfer([timelock.address]);
  const accept = encodeFunctionData({ abi: s.escrow.abi, functionName: "acceptDefaultAdminTransfer" });
  const targets = [s.registry.address, s.escrow.address];
  await timelock.write.scheduleBatch([targets, [0n, 0n], [accept, accept], zeroHash, zeroHash, MIN_DELAY]);
  await time.increase(MIN_DELAY);
  await timelock.write.executeBatch([targets, [0n, 0n], [accept, accept], zeroHash, zeroHash]);
  return { ...s, timelock, guardian };
}

describe("admin behind GridleaseTimelock", () => {
  it("the timelock is the only admin: the deployer can no longer change the rules directly", async () => {
    const s = await loadFixture(governedSystem);
    expect(getAddress(await s.escrow.read.defaultAdmin())).to.equal(getAddress(s.timelock.address));
    expect(getAddress(await s.registry.read.defaultAdmin())).to.equal(getAddress(s.timelock.address));
    // The default admin role's id is zero.
    const notAdmin = customError("AccessControlUnauthorizedAccount", s.deployer.account.address, zeroHash);
    await expect(s.escrow.write.setFeeBps([1000])).to.be.rejectedWith(notAdmin);
    await expect(s.registry.write.setEscrow([s.stranger.account.address])).to.be.rejectedWith(notAdmin);
  });

  it("a fee change runs only after the minimum delay, in public", async () => {
    const s = await loadFixture(governedSystem);
    const call = encodeFunctionData({ abi: s.escrow.abi, functionName: "setFeeBps", args: [1000] });
    await expect(s.timelock.write.schedule([s.escrow.address, 0n, call, zeroHash, zeroHash, MIN_DELAY - 1n])).to.be.rejectedWith(
      `TimelockInsufficientDelay(${MIN_DELAY - 1n}, ${MIN_DELAY})`,
    );
    await s.timelock.write.schedule([s.escrow.address, 0n, call, zeroHash, zeroHash, MIN_DELAY]);
    // OpenZeppelin names the operation and the states it needed as a bitmap: bit 2 is Ready.
    const id = await s.timelock.read.hashOperation([s.escrow.address, 0n, call, zeroHash, zeroHash]);
    await expect(s.timelock.write.execute([s.escrow.address, 0n, call, zeroHash, zeroHash])).to.be.rejectedWith(
      customError("TimelockUnexpectedOperationState", id, toHex(1n << 2n, { size: 32 })),
    );
    await time.increase(MIN_DELAY);
    await s.timelock.write.execute([s.escrow.address, 0n, call, zeroHash, zeroHash]);
    expect(await s.escrow.read.feeBps()).to.equal(1000);
  });

  it("the guardian pauses at once, and a pause never blocks an exit", async () => {
    const s = await loadFixture(governedSystem);
    // Three leases: running (cancel), pending past its window (reclaim), disputed (finalize).
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter.account });
    await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter2.account });
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter.account });
    await s.escrow.write.accept([3n, "0x"], { account: s.provider.account });
    await s.escrow.write.openDispute([3n, zeroHash, ""], { account: s.renter.account });
    await s.registry.write.requestUnstake([10n * 1_000_000n], { account: s.provider.account });
    await s.escrow.write.pause({ account: s.guardian.account });
    await s.registry.write.pause({ account: s.guardian.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith("EnforcedPause()");

    await time.increase(HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    await s.escrow.write.reclaim([2n], { account: s.renter2.account });
    await atTimestamp(BigInt((await s.escrow.read.getLease([3n])).disputedAt) + 3n * DAY);
    await s.escrow.write.finalizeDispute([3n]);
    await time.increase(7n * DAY);
    await s.registry.write.withdrawStake({ account: s.provider.account });
    await s.escrow.write.sweepFees();
    for (const id of [1n, 2n, 3n]) expect((await s.escrow.read.getLease([id])).status).to.equal(4); // Closed
  });
});
