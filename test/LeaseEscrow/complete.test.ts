import { expect } from "chai";
import { customError } from "../helpers/errors";
import { CloseReason, LeaseStatus, activeLeaseFixture, atTimestamp, feeOn, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.complete", () => {
  it("anyone closes an ended lease; the provider gets the deposit minus the fee", async () => {
    const s = await activeLeaseFixture();
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    await atTimestamp(s.endsAt);
    await s.escrow.write.complete([1n], { account: s.stranger.account });
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + s.deposit - feeOn(s.deposit));
    expect(await s.escrow.read.feesAccrued()).to.equal(feeOn(s.deposit));
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.closeReason).to.equal(CloseReason.Completed);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    expect((await s.registry.read.getProvider([s.provider.account.address])).openLeases).to.equal(0);
  });

  it("reverts at endsAt − 1, and for leases that are not running", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt - 1n);
    await expect(s.escrow.write.complete([1n])).to.be.rejectedWith(customError("LeaseNotEnded", 1n, s.endsAt));
    const p = await pendingLeaseFixture();
    await expect(p.escrow.write.complete([1n])).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Pending));
  });
});
