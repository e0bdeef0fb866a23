import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeFunctionData, getAddress, parseEventLogs, zeroAddress } from "viem";
import { customError } from "../helpers/errors";
import { HOUR, MIN_STAKE, ENCRYPTION_KEY, PRICE, REQUEST, USDC, accrual, bondOf, deploySystem, feeOn, registerAndList } from "../helpers/fixtures";

async function reentrantSystem() {
  const s = await deploySystem("ReentrantToken");
  await registerAndList(s);
  const attacker = await hre.viem.deployContract("ReentrantRenter", [s.escrow.address, s.token.address]);
  await s.fund(attacker.address, 1_000n * USDC);
  await attacker.write.book([1n, 2, 10, PRICE]);
  await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
  return { ...s, attacker, token: await hre.viem.getContractAt("ReentrantToken", s.token.address) };
}

async function blocklistSystem() {
  const s = await deploySystem("BlocklistToken");
  await registerAndList(s);
  await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter.account });
  await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
  return { ...s, token: await hre.viem.getContractAt("BlocklistToken", s.token.address), deposit: 2n * 10n * PRICE };
}

describe("LeaseEscrow security", () => {
  describe("reentrancy through a token receive hook", () => {
    it("a renter re-entering cancel from its refund gets nothing extra", async () => {
      const s = await loadFixture(reentrantSystem);
      const cancelAgain = encodeFunctionData({ abi: s.attacker.abi, functionName: "cancel", args: [1n] });
      await s.token.write.arm([s.attacker.address, cancelAgain, false]);
      await time.increase(HOUR);
      const balanceBefore = await s.token.read.balanceOf([s.attacker.address]);
      await s.attacker.write.cancel([1n]);
      const lease = await s.escrow.read.getLease([1n]);
      const refund = lease.deposit - lease.paidGross;
      expect(await s.token.read.reentryAttempts()).to.equal(1n);
      expect(await s.token.read.lastReentrySucceeded()).to.equal(false);
      expect(await s.token.read.balanceOf([s.attacker.address])).to.equal(balanceBefore + refund);
      expect(await s.escrow.read.withdrawable([s.attacker.address, s.token.address])).to.equal(0n);
    });

    it("when the hook makes the payout fail, the refund is credited once and withdrawn once", async () => {
      const s = await loadFixture(reentrantSystem);
      const withdrawAgain = encodeFunctionData({ abi: s.attacker.abi, functionName: "withdraw" });
      await s.token.write.arm([s.attacker.address, withdrawAgain, true]);
      await time.increase(HOUR);
      const hash = await s.attacker.write.cancel([1n]);
      const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
      const deferred = parseEventLogs({ abi: s.escrow.abi, logs: receipt.logs, eventName: "PayoutDeferred" });
      const lease = await s.escrow.read.getLease([1n]);
      const refund = lease.deposit - lease.paidGross;
      expect(deferred[0].args).to.deep.include({ account: getAddress(s.attacker.address), amount: refund });
      expect(await s.escrow.read.withdrawable([s.attacker.address, s.token.address])).to.equal(refund);

      await s.token.write.arm(["0x0000000000000000000000000000000000000000", "0x", false]);
      const before = await s.token.read.balanceOf([s.attacker.address]);
      await s.attacker.write.withdraw();
      expect(await s.token.read.balanceOf([s.attacker.address])).to.equal(before + refund);
      await expect(s.attacker.write.withdraw()).to.be.rejectedWith(customError("NothingToWithdraw", s.attacker.address, s.token.address));
    });
  });

  describe("blocklisted recipients", () => {
    it("a blocklisted provider does not lock the renter's refund; its share waits in withdrawable", async () => {
      const s = await loadFixture(blocklistSystem);
      await s.token.write.setBlocked([s.provider.account.address, true]);
      const { acceptedAt } = await s.escrow.read.getLease([1n]);
      const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
      await time.setNextBlockTimestamp(acceptedAt + HOUR);
      await s.escrow.write.cancel([1n], { account: s.renter.account });
      const gross = accrual(s.deposit, 10n, HOUR);
      expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + s.deposit - gross);
      const owedToProvider = gross - feeOn(gross);
      expect(await s.escrow.read.withdrawable([s.provider.account.address, s.token.address])).to.equal(owedToProvider);

      await expect(s.escrow.write.withdraw([s.token.address], { account: s.provider.account })).to.be.rejectedWith(
        customError("Blocked", s.provider.account.address),
      );
      await s.token.write.setBlocked([s.provider.account.address, false]);
      const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
      await s.escrow.write.withdraw([s.token.address], { account: s.provider.account });
      expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + owedToProvider);
    });

    it("a blocklisted renter does not stop the provider from completing and being paid", async () => {
      const s = await loadFixture(blocklistSystem);
      await s.escrow.write.openDispute([1n, `0x${"11".repeat(32)}`, ""], { account: s.renter.account });
      await s.token.write.setBlocked([s.renter.account.address, true]);
      const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
      await s.escrow.write.resolveDispute([1n, 10n * USDC, s.deposit - 10n * USDC, 3n * USDC, true], {
        account: s.arbiter.account,
      });
      const providerGross = s.deposit - 10n * USDC;
      expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + providerGross - feeOn(providerGross));
      expect(await s.escrow.read.withdrawable([s.renter.account.address, s.token.address])).to.equal(13n * USDC + bondOf(s.deposit)); // split + slash + the bond back (the arbiter agreed)
    });

    it("L-2: a blocklisted renter recovers its credit with withdrawTo, to an address it names", async () => {
      const s = await loadFixture(blocklistSystem);
      await s.token.write.setBlocked([s.renter.account.address, true]);
      await s.escrow.write.cancel([1n], { account: s.renter.account });
      const owed = await s.escrow.read.withdrawable([s.renter.account.address, s.token.address]);
      expect(owed > 0n).to.equal(true);
      await expect(s.escrow.write.withdraw([s.token.address], { account: s.renter.account })).to.be.rejectedWith(
        customError("Blocked", s.renter.account.address),
      );
      await expect(s.escrow.write.withdrawTo([s.token.address, zeroAddress], { account: s.renter.account })).to.be.rejectedWith("ZeroAddress()");
      const before = await s.token.read.balanceOf([s.renter2.account.address]);
      await s.escrow.write.withdrawTo([s.token.address, s.renter2.account.address], { account: s.renter.account });
      expect(await s.token.read.balanceOf([s.renter2.account.address])).to.equal(before + owed);
      expect(await s.escrow.read.withdrawable([s.renter.account.address, s.token.address])).to.equal(0n);
      await expect(s.escrow.write.withdrawTo([s.token.address, s.renter2.account.address], { account: s.renter.account })).to.be.rejectedWith(
        `NothingToWithdraw("${getAddress(s.renter.account.address)}", "${getAddress(s.token.address)}")`,
      );
    });

    it("a blocklisted treasury gets its sweep credited instead", async () => {
      const s = await loadFixture(blocklistSystem);
      await time.increase(HOUR);
      await s.escrow.write.cancel([1n], { account: s.renter.account });
      await s.token.write.setBlocked([s.treasury.account.address, true]);
      const fees = await s.escrow.read.feesAccrued();
      await s.escrow.write.sweepFees();
      expect(await s.escrow.read.withdrawable([s.treasury.account.address, s.token.address])).to.equal(fees);
    });
  });

  describe("fee-on-transfer tokens", () => {
    it("are refused when booking, extending and staking", async () => {
      const s = await deploySystem("FeeOnTransferToken");
      await registerAndList(s);
      await s.escrow.write.book([1n, 1, 2, PRICE, REQUEST], { account: s.renter.account });
      await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
      const token = await hre.viem.getContractAt("FeeOnTransferToken", s.token.address);
      await token.write.setFeeOn([true]);
      // The token burns 1 % of every transfer, so each contract names what it expected and the 99 % it received.
      const refused = (expected: bigint) => customError("UnsupportedToken", s.token.address, expected, expected - expected / 100n);
      await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(refused(PRICE));
      await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith(refused(PRICE));
      await expect(s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider2.account })).to.be.rejectedWith(refused(MIN_STAKE));
      await expect(s.registry.write.addStake([USDC], { account: s.provider.account })).to.be.rejectedWith(refused(USDC));
    });
  });
});
