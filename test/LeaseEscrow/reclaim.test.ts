import { expect } from "chai";
import { CloseReason, LeaseStatus, NOT_ACCEPTED_SLASH, atTimestamp, eventsOf, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.reclaim", () => {
  it("after the window: full refund plus the provider's slash, units freed", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    await atTimestamp(acceptDeadline + 1n);
    const hash = await s.escrow.write.reclaim([1n], { account: s.renter.account });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before + s.deposit + NOT_ACCEPTED_SLASH);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - NOT_ACCEPTED_SLASH);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.NotAccepted);
    const names = (await eventsOf(s, s.escrow.abi, hash)).map((e) => e.eventName);
    expect(names).to.include("LeaseClosed");
    const slashed = (await eventsOf(s, s.registry.abi, hash)).find((e) => e.eventName === "ProviderSlashed");
    expect(slashed?.args.amount).to.equal(NOT_ACCEPTED_SLASH);
  });

  it("is refused at the deadline and at deadline − 1", async () => {
    for (const offset of [-1n, 0n]) {
      const s = await pendingLeaseFixture();
      const { acceptDeadline } = await s.escrow.read.getLease([1n]);
      await atTimestamp(acceptDeadline + offset);
      await expect(s.escrow.write.reclaim([1n], { account: s.renter.account })).to.be.rejectedWith("AcceptWindowOpen");
    }
  });

  it("after a late accept attempt was refused, reclaim still works", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await expect(s.escrow.write.accept([1n, "0x"], { account: s.provider.account })).to.be.rejectedWith("AcceptWindowClosed");
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.NotAccepted);
  });

  it("slashes no more than the provider's stake and skips a zero slash", async () => {
    const s = await pendingLeaseFixture();
    await s.escrow.write.setNotAcceptedSlash([10_000n * 1_000_000n]);
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(0n);

    const t = await pendingLeaseFixture();
    await t.escrow.write.setNotAcceptedSlash([0n]);
    const { acceptDeadline: deadline } = await t.escrow.read.getLease([1n]);
    await atTimestamp(deadline + 1n);
    const hash = await t.escrow.write.reclaim([1n], { account: t.renter.account });
    expect((await eventsOf(t, t.registry.abi, hash)).map((e) => e.eventName)).not.to.include("ProviderSlashed");
  });

  it("is for the renter of a pending lease only", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await expect(s.escrow.write.reclaim([1n], { account: s.stranger.account })).to.be.rejectedWith("NotRenter");
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    await expect(s.escrow.write.reclaim([1n], { account: s.renter.account })).to.be.rejectedWith("WrongStatus");
  });
});
