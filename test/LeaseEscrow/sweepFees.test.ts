import { expect } from "chai";
import { setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import { toHex } from "viem";
import { customError } from "../helpers/errors";
import { HOUR, accrual, activeLeaseFixture, atTimestamp, feeOn, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.sweepFees", () => {
  it("reverts while no fee accrued", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.write.sweepFees()).to.be.rejectedWith(customError("NothingToSweep"));
  });

  it("moves the accrued fees to the treasury; anyone may call it", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    const fees = feeOn(accrual(s.deposit, 10n, HOUR));
    expect(await s.escrow.read.feesAccrued()).to.equal(fees);
    await s.escrow.write.sweepFees({ account: s.stranger.account });
    expect(await s.token.read.balanceOf([s.treasury.account.address])).to.equal(fees);
    expect(await s.escrow.read.feesAccrued()).to.equal(0n);
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(0n);
  });
});

describe("LeaseEscrow fee counter at its limit", () => {
  it("a fee that would overflow the 96-bit counter goes to the treasury's pull balance; the claim still pays", async () => {
    const s = await activeLeaseFixture();
    // Real fees would need a token with an enormous supply to fill the counter, so it is filled in storage:
    // find the slot that packs the treasury (low 160 bits) with feesAccrued (high 96 bits).
    const treasury = s.treasury.account.address.toLowerCase().slice(2);
    let slot = -1;
    for (let i = 0; i < 16 && slot < 0; i++) {
      const word = await s.publicClient.getStorageAt({ address: s.escrow.address, slot: toHex(i, { size: 32 }) });
      if (word?.toLowerCase().endsWith(treasury)) slot = i;
    }
    expect(slot).to.be.greaterThan(-1);
    const full = 2n ** 96n - 1n;
    await setStorageAt(s.escrow.address, slot, `0x${full.toString(16)}${treasury}`);
    expect(await s.escrow.read.feesAccrued()).to.equal(full);
    await time.increase(HOUR);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    const gross = (await s.escrow.read.getLease([1n])).paidGross;
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + gross - feeOn(gross));
    expect(await s.escrow.read.feesAccrued()).to.equal(full);
    expect(await s.escrow.read.withdrawable([s.treasury.account.address, s.token.address])).to.equal(feeOn(gross));
  });
});
