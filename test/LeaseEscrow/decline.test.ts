import { expect } from "chai";
import { CloseReason, LeaseStatus, eventsOf, pendingLeaseFixture } from "../helpers/fixtures";

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

  it("does not slash the provider", async () => {
    const s = await pendingLeaseFixture();
    const { stake } = await s.registry.read.getProvider([s.provider.account.address]);
    await s.escrow.write.decline([1n], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stake);
  });

  it("is for the provider of a pending lease only", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.write.decline([1n], { account: s.renter.account })).to.be.rejectedWith("NotProvider");
    await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
    await expect(s.escrow.write.decline([1n], { account: s.provider.account })).to.be.rejectedWith("WrongStatus");
  });
});
