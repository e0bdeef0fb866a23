import { expect } from "chai";
import { HOUR, PRICE, REQUEST, activeLeaseFixture, atTimestamp, deploySystem, eventsOf, offerSpec, pendingLeaseFixture, registerAndList } from "../helpers/fixtures";

describe("LeaseEscrow.extend", () => {
  it("pulls more hours at the lease's own price and moves the end", async () => {
    const s = await activeLeaseFixture();
    await s.registry.write.updatePrice([1n, PRICE * 3n], { account: s.provider.account });
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    const hash = await s.escrow.write.extend([1n, 5], { account: s.renter.account });
    const extra = 2n * 5n * PRICE;
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before - extra);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.deposit).to.equal(s.deposit + extra);
    expect(lease.durationHours).to.equal(15);
    expect(lease.endsAt).to.equal(s.endsAt + 5n * HOUR);
    expect(lease.pricePerGpuHour).to.equal(PRICE);
    const [extended] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseExtended");
    expect(extended.args).to.deep.include({ extraHours: 5, extraDeposit: extra, endsAt: s.endsAt + 5n * HOUR });
  });

  it("does not change what accrued so far", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + 1800n);
    await s.escrow.write.extend([1n, 2], { account: s.renter.account });
    expect(await s.escrow.read.accrued([1n])).to.equal((s.deposit * 1800n) / (10n * HOUR));
  });

  it("works at endsAt − 1 and reverts at endsAt", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt - 1n);
    await s.escrow.write.extend([1n, 1], { account: s.renter.account });
    await atTimestamp(s.endsAt + HOUR);
    await expect(s.escrow.write.extend([1n, 1], { account: s.renter.account })).to.be.rejectedWith("LeaseEnded");
  });

  it("stays within the offer's maximum hours", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.extend([1n, 711], { account: s.renter.account })).to.be.rejectedWith("HoursOutOfRange");
    await s.escrow.write.extend([1n, 710], { account: s.renter.account });
  });

  it("rejects zero hours, strangers and leases that are not running", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.extend([1n, 0], { account: s.renter.account })).to.be.rejectedWith("ZeroExtension");
    await expect(s.escrow.write.extend([1n, 1], { account: s.stranger.account })).to.be.rejectedWith("NotRenter");
    const p = await pendingLeaseFixture();
    await expect(p.escrow.write.extend([1n, 1], { account: p.renter.account })).to.be.rejectedWith("WrongStatus");
  });

  it("rejects an extension whose total deposit would not fit 96 bits", async () => {
    const s = await deploySystem("BlocklistToken"); // mints without a cap
    const price = 2n ** 90n;
    await registerAndList(s, offerSpec({ pricePerGpuHour: price, maxHours: 100 }));
    await s.fund(s.renter.account.address, price * 70n);
    await s.escrow.write.book([1n, 1, 60, price, REQUEST], { account: s.renter.account });
    await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
    await expect(s.escrow.write.extend([1n, 4], { account: s.renter.account })).to.be.rejectedWith("DepositTooLarge");
    await s.escrow.write.extend([1n, 3], { account: s.renter.account });
  });
});
