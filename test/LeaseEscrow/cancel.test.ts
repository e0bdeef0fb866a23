import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import {
  CloseReason,
  HOUR,
  LeaseStatus,
  accrual,
  activeLeaseFixture,
  atTimestamp,
  disputedLeaseFixture,
  eventsOf,
  feeOn,
  noShowSlashOf,
  pendingLeaseFixture,
  UNDER_COVERAGE,
} from "../helpers/fixtures";

describe("LeaseEscrow.cancel", () => {
  it("the provider keeps what accrued, the renter gets the rest, units are freed", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + 3n * HOUR + 17n);
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    const hash = await s.escrow.write.cancel([1n], { account: s.renter.account });
    const gross = accrual(s.deposit, 10n, 3n * HOUR + 17n);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + s.deposit - gross);
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + gross - feeOn(gross));
    expect(await s.escrow.read.feesAccrued()).to.equal(feeOn(gross));
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(feeOn(gross));
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    const [closed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseClosed");
    expect(closed.args).to.deep.include({
      reason: CloseReason.CancelledByRenter,
      providerTotal: gross - feeOn(gross),
      renterRefund: s.deposit - gross,
      feeTotal: feeOn(gross),
    });
  });

  it("accounts for earlier claims in the lifetime totals", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await atTimestamp(s.acceptedAt + 2n * HOUR);
    const hash = await s.escrow.write.cancel([1n], { account: s.renter.account });
    const gross = accrual(s.deposit, 10n, 2n * HOUR);
    const [closed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseClosed");
    expect(closed.args.providerTotal + closed.args.renterRefund + closed.args.feeTotal).to.equal(s.deposit);
    expect(closed.args.feeTotal).to.equal(feeOn(gross));
  });

  it("M-1: a pending lease cancelled after the accept window closes as NotAccepted with the slash", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    const stake = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    await atTimestamp(acceptDeadline + 1n);
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.NotAccepted);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stake - noShowSlashOf(s.deposit));
  });

  it("a pending lease is withdrawn by its renter with a full refund, units released and no slash", async () => {
    const s = await pendingLeaseFixture();
    const stake = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.CancelledByRenter);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before + s.deposit);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(0n);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stake);
  });

  it("works at endsAt − 1 and reverts at endsAt", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt);
    await expect(s.escrow.write.cancel([1n], { account: s.renter.account })).to.be.rejectedWith(customError("LeaseEnded", 1n, s.endsAt));
    const t = await activeLeaseFixture();
    await atTimestamp(t.endsAt - 1n);
    await t.escrow.write.cancel([1n], { account: t.renter.account });
    expect((await t.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Closed);
  });

  it("rejects strangers, disputed and closed leases", async () => {
    const s = await disputedLeaseFixture();
    await expect(s.escrow.write.cancel([1n], { account: s.stranger.account })).to.be.rejectedWith(customError("NotRenter", 1n, s.stranger.account.address));
    await expect(s.escrow.write.cancel([1n], { account: s.renter.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Disputed));
  });

  (UNDER_COVERAGE ? it.skip : it)("costs at most 90k gas", async () => {
    const s = await activeLeaseFixture();
    await time.increase(3600);
    const hash = await s.escrow.write.cancel([1n], { account: s.renter.account });
    const { gasUsed } = await s.publicClient.waitForTransactionReceipt({ hash });
    expect(Number(gasUsed)).to.be.lessThanOrEqual(90_000);
  });
});
