import { expect } from "chai";
import { getAddress } from "viem";
import { CloseReason, HOUR, LeaseStatus, USDC, accrual, atTimestamp, disputedLeaseFixture, activeLeaseFixture, eventsOf, feeOn } from "../helpers/fixtures";

describe("LeaseEscrow.resolveDispute", () => {
  it("pays the arbiter's split and slashes the provider's stake to the renter", async () => {
    const s = await disputedLeaseFixture();
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    const renterAmount = 30n * USDC;
    const providerAmount = s.deposit - renterAmount;
    const hash = await s.escrow.write.resolveDispute([1n, renterAmount, providerAmount, 7n * USDC], {
      account: s.arbiter.account,
    });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + renterAmount + 7n * USDC);
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(
      providerBefore + providerAmount - feeOn(providerAmount),
    );
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - 7n * USDC);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.DisputeResolved);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    const events = await eventsOf(s, s.escrow.abi, hash);
    const resolved = events.find((e) => e.eventName === "DisputeResolved");
    expect(resolved?.args).to.deep.include({
      arbiter: getAddress(s.arbiter.account.address),
      renterAmount,
      providerAmount,
      slashAmount: 7n * USDC,
    });
    const closed = events.find((e) => e.eventName === "LeaseClosed");
    expect(closed?.args).to.deep.include({ renterRefund: renterAmount, feeTotal: feeOn(providerAmount) });
  });

  it("splits only what was not paid before the dispute", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await s.escrow.write.openDispute([1n, "0x" + "00".repeat(32) as `0x${string}`, ""], { account: s.renter.account });
    const paid = accrual(s.deposit, 10n, HOUR);
    const remaining = s.deposit - paid;
    await expect(
      s.escrow.write.resolveDispute([1n, remaining, 1n, 0n], { account: s.arbiter.account }),
    ).to.be.rejectedWith("SplitMismatch");
    await s.escrow.write.resolveDispute([1n, remaining, 0n, 0n], { account: s.arbiter.account });
    expect((await s.escrow.read.getLease([1n])).paidGross).to.equal(paid);
  });

  it("needs the arbiter role and a disputed lease", async () => {
    const s = await disputedLeaseFixture();
    await expect(
      s.escrow.write.resolveDispute([1n, s.deposit, 0n, 0n], { account: s.renter.account }),
    ).to.be.rejectedWith("AccessControlUnauthorizedAccount");
    const a = await activeLeaseFixture();
    await expect(
      a.escrow.write.resolveDispute([1n, a.deposit, 0n, 0n], { account: a.arbiter.account }),
    ).to.be.rejectedWith("WrongStatus");
  });
});
