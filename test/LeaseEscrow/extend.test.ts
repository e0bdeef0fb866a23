import { expect } from "chai";
import { customError } from "../helpers/errors";
import {
  HOUR,
  LeaseStatus,
  PRICE,
  REQUEST,
  activeLeaseFixture,
  atTimestamp,
  deploySystem,
  eventsOf,
  offerSpec,
  pendingLeaseFixture,
  registerAndList,
} from "../helpers/fixtures";

describe("LeaseEscrow.extend", () => {
  it("pulls more hours at the offer's current price, within the renter's max price", async () => {
    const s = await activeLeaseFixture();
    await s.registry.write.updatePrice([1n, PRICE * 3n], { account: s.provider.account });
    // The old rate is no longer on sale: an extension capped at it is refused, naming both prices.
    await expect(s.escrow.write.extend([1n, 5, PRICE], { account: s.renter.account })).to.be.rejectedWith(`PriceAboveMax(${PRICE * 3n}, ${PRICE})`);
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    const hash = await s.escrow.write.extend([1n, 5, PRICE * 3n], { account: s.renter.account });
    const extra = 2n * 5n * PRICE * 3n;
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before - extra);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.deposit).to.equal(s.deposit + extra);
    expect(lease.durationHours).to.equal(15);
    expect(lease.endsAt).to.equal(s.endsAt + 5n * HOUR);
    // The lease now streams its whole deposit evenly: the blended rate of 10 h at 2 and 5 h at 6.
    expect(lease.pricePerGpuHour).to.equal((s.deposit + extra) / 15n / 2n);
    const [extended] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseExtended");
    expect(extended.args).to.deep.include({ extraHours: 5, extraDeposit: extra, endsAt: s.endsAt + 5n * HOUR });
  });

  it("is refused once the offer is paused or delisted", async () => {
    const s = await activeLeaseFixture();
    await s.registry.write.pauseOffer([1n], { account: s.provider.account });
    await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith("OfferNotBookable(1)");
    await s.registry.write.delistOffer([1n], { account: s.provider.account });
    await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith("OfferNotBookable(1)");
  });

  it("does not change what accrued so far", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + 1800n);
    await s.escrow.write.extend([1n, 2, PRICE], { account: s.renter.account });
    expect(await s.escrow.read.accrued([1n])).to.equal((s.deposit * 1800n) / (10n * HOUR));
  });

  it("works at endsAt − 1 and reverts at endsAt", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt - 1n);
    await s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account });
    await atTimestamp(s.endsAt + HOUR);
    await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith(customError("LeaseEnded", 1n, s.endsAt + HOUR));
  });

  it("stays within the offer's maximum hours", async () => {
    const s = await activeLeaseFixture();
    // The lease runs 10 hours, so 710 more reach the offer's 720-hour maximum.
    const { minHours, maxHours } = offerSpec();
    await expect(s.escrow.write.extend([1n, 711, PRICE], { account: s.renter.account })).to.be.rejectedWith(
      customError("HoursOutOfRange", 711, minHours, maxHours - 10),
    );
    await s.escrow.write.extend([1n, 710, PRICE], { account: s.renter.account });
  });

  it("lets anyone pay for more hours, and every refund still goes to the renter", async () => {
    const s = await activeLeaseFixture();
    const strangerBefore = await s.token.read.balanceOf([s.stranger.account.address]);
    await s.escrow.write.extend([1n, 2, PRICE], { account: s.stranger.account });
    const extra = 2n * 2n * PRICE;
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(strangerBefore - extra);
    await atTimestamp(s.acceptedAt + HOUR);
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    const accruedOneHour = ((s.deposit + extra) * HOUR) / (12n * HOUR);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + s.deposit + extra - accruedOneHour);
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(strangerBefore - extra);
  });

  it("rejects zero hours and leases that are not running", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.extend([1n, 0, PRICE], { account: s.renter.account })).to.be.rejectedWith(customError("ZeroExtension"));
    const p = await pendingLeaseFixture();
    await expect(p.escrow.write.extend([1n, 1, PRICE], { account: p.renter.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Pending));
  });

  it("rejects an extension whose total deposit would not fit 96 bits", async () => {
    const s = await deploySystem("BlocklistToken"); // mints without a cap
    const price = 2n ** 90n;
    await registerAndList(s, offerSpec({ pricePerGpuHour: price, maxHours: 100 }));
    await s.fund(s.renter.account.address, price * 70n);
    await s.escrow.write.book([1n, 1, 60, price, REQUEST], { account: s.renter.account });
    await s.escrow.write.accept([1n, "0x"], { account: s.provider.account });
    await expect(s.escrow.write.extend([1n, 4, price], { account: s.renter.account })).to.be.rejectedWith(customError("DepositTooLarge", price * (60n + 4n)));
    await s.escrow.write.extend([1n, 3, price], { account: s.renter.account });
  });
});
