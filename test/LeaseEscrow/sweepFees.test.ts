import { expect } from "chai";
import { HOUR, accrual, activeLeaseFixture, atTimestamp, feeOn, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.sweepFees", () => {
  it("reverts while no fee accrued", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.write.sweepFees()).to.be.rejectedWith("NothingToSweep");
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
