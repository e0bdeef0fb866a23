import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import {
  CloseReason,
  HOUR,
  LeaseStatus,
  REQUEST,
  accrual,
  activeLeaseFixture,
  atTimestamp,
  disputedLeaseFixture,
  eventsOf,
  feeOn,
  offerSpec,
  registerAndList,
  UNDER_COVERAGE,
} from "../helpers/fixtures";

describe("LeaseEscrow.claim", () => {
  it("pays the provider what accrued per second, minus the fee to the treasury", async () => {
    const s = await activeLeaseFixture();
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    await atTimestamp(s.acceptedAt + 1234n);
    const hash = await s.escrow.write.claim([1n], { account: s.provider.account });
    const gross = accrual(s.deposit, 10n, 1234n);
    const fee = feeOn(gross);
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + gross - fee);
    expect(await s.escrow.read.feesAccrued()).to.equal(fee);
    expect((await s.escrow.read.getLease([1n])).paidGross).to.equal(gross);
    const [claimed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "EarningsClaimed");
    expect(claimed.args).to.deep.include({ leaseId: 1n, gross, fee });
  });

  it("charges the same total fee however often the provider claims", async () => {
    const s = await activeLeaseFixture();
    for (let i = 1n; i <= 7n; i++) {
      await atTimestamp(s.acceptedAt + i * 997n);
      await s.escrow.write.claim([1n], { account: s.provider.account });
    }
    const gross = accrual(s.deposit, 10n, 7n * 997n);
    expect(await s.escrow.read.feesAccrued()).to.equal(feeOn(gross));
  });

  it("after the end it pays the remainder and closes the lease as completed", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await atTimestamp(s.endsAt);
    const hash = await s.escrow.write.claim([1n], { account: s.provider.account });
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.Completed);
    expect(lease.paidGross).to.equal(s.deposit);
    const [closed] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseClosed");
    expect(closed.args).to.deep.include({ providerTotal: s.deposit - feeOn(s.deposit), renterRefund: 0n, feeTotal: feeOn(s.deposit) });
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
  });

  it("reverts with nothing to claim while less than one base unit accrued", async () => {
    const s = await activeLeaseFixture();
    // 1 base unit per GPU-hour: the first 3599 seconds of a 1-GPU lease accrue nothing.
    await registerAndList(s, offerSpec({ pricePerGpuHour: 1n }), s.provider2);
    await s.escrow.write.book([2n, 1, 2, 1n, REQUEST], { account: s.renter.account });
    await s.escrow.write.accept([2n, "0x"], { account: s.provider2.account });
    await time.increase(3000);
    await expect(s.escrow.write.claim([2n], { account: s.provider2.account })).to.be.rejectedWith(customError("NothingToClaim", 2n));
    await time.increase(600);
    await s.escrow.write.claim([2n], { account: s.provider2.account });
    expect((await s.escrow.read.getLease([2n])).paidGross).to.equal(1n);
  });

  it("is blocked by a dispute", async () => {
    const s = await disputedLeaseFixture();
    await expect(s.escrow.write.claim([1n], { account: s.provider.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Disputed));
  });

  it("is for the lease's provider only", async () => {
    const s = await activeLeaseFixture();
    await time.increase(100);
    await expect(s.escrow.write.claim([1n], { account: s.renter.account })).to.be.rejectedWith(customError("NotProvider", 1n, s.renter.account.address));
  });

  (UNDER_COVERAGE ? it.skip : it)("costs at most 60k gas", async () => {
    const s = await activeLeaseFixture();
    await time.increase(600);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await time.increase(600);
    const hash = await s.escrow.write.claim([1n], { account: s.provider.account });
    const { gasUsed } = await s.publicClient.waitForTransactionReceipt({ hash });
    expect(Number(gasUsed)).to.be.lessThanOrEqual(60_000);
  });
});
