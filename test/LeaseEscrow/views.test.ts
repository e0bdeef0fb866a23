import { expect } from "chai";
import hre from "hardhat";
import { customError } from "../helpers/errors";
import { HOUR, LeaseStatus, PRICE, accrual, activeLeaseFixture, atTimestamp, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow views", () => {
  it("getLease reverts for an unknown lease; accrued and claimable too", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.read.getLease([2n])).to.be.rejectedWith(customError("UnknownLease", 2n));
    await expect(s.escrow.read.accrued([0n])).to.be.rejectedWith(customError("UnknownLease", 0n));
    await expect(s.escrow.read.claimable([9n])).to.be.rejectedWith(customError("UnknownLease", 9n));
  });

  it("a pending lease shows the offer's provider, price and no accrual", async () => {
    const s = await pendingLeaseFixture();
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.provider.toLowerCase()).to.equal(s.provider.account.address);
    expect(lease.pricePerGpuHour).to.equal(PRICE);
    expect(lease.gpus).to.equal(2);
    expect(lease.durationHours).to.equal(10);
    expect(await s.escrow.read.accrued([1n])).to.equal(0n);
    expect(await s.escrow.read.claimable([1n])).to.equal(0n);
  });

  it("accrued grows per second and stops at the deposit; closed leases report what was paid", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await atTimestamp(s.acceptedAt + 3n * HOUR);
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    expect(await s.escrow.read.claimable([1n])).to.equal(accrual(s.deposit, 10n, 3n * HOUR) - accrual(s.deposit, 10n, HOUR));
    await s.escrow.write.claim([1n], { account: s.provider.account }); // mined one second later
    expect(await s.escrow.read.accrued([1n])).to.equal(accrual(s.deposit, 10n, 3n * HOUR + 1n));
    await atTimestamp(s.acceptedAt + 20n * HOUR);
    await s.escrow.write.complete([1n]);
    expect(await s.escrow.read.accrued([1n])).to.equal(s.deposit);
    expect(await s.escrow.read.claimable([1n])).to.equal(0n);
    expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Closed);
  });
});
