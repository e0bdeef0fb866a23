import { expect } from "chai";
import { customError } from "../helpers/errors";
import { CloseReason, LeaseStatus, atTimestamp, eventsOf, noShowSlashOf, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.decline", () => {
  it("refunds the renter in full, frees the units and records ProviderFault", async () => {
    const s = await pendingLeaseFixture();
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    const hash = await s.escrow.write.decline([1n], { account: s.provider.account });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before + s.deposit);
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(0n);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    expect((await s.registry.read.getProvider([s.provider.account.address])).openLeases).to.equal(0);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.ProviderFault);
    const [closed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseClosed");
    expect(closed.args).to.deep.include({ reason: CloseReason.ProviderFault, providerTotal: 0n, renterRefund: s.deposit, feeTotal: 0n });
  });

  it("M-1: after the accept window it closes as NotAccepted and applies the no-show slash", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    const { stake } = await s.registry.read.getProvider([s.provider.account.address]);
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    await atTimestamp(acceptDeadline + 1n);
    const hash = await s.escrow.write.decline([1n], { account: s.provider.account });
    const slash = noShowSlashOf(s.deposit);
    expect(slash > 0n).to.equal(true);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stake - slash);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before + s.deposit + slash);
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.NotAccepted);
    const [closed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseClosed");
    expect(closed.args.reason).to.equal(CloseReason.NotAccepted);
    // The renter's reclaim then finds nothing left to do, instead of a lease closed without the slash.
    await expect(s.escrow.write.reclaim([1n], { account: s.renter.account })).to.be.rejectedWith(`WrongStatus(1, ${LeaseStatus.Closed})`);
  });

  it("at the deadline itself it is still a plain decline", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline);
    await s.escrow.write.decline([1n], { account: s.provider.account });
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.ProviderFault);
  });

  it("does not slash the provider", async () => {
    const s = await pendingLeaseFixture();
    const { stake } = await s.registry.read.getProvider([s.provider.account.address]);
    await s.escrow.write.decline([1n], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stake);
  });

  it("is for the provider of a pending lease only", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.write.decline([1n], { account: s.renter.account })).to.be.rejectedWith(customError("NotProvider", 1n, s.renter.account.address));
    await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
    await expect(s.escrow.write.decline([1n], { account: s.provider.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Active));
  });
});
