import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress } from "viem";
import { CloseReason, HOUR, LeaseStatus, MIN_STAKE, accrual, eventsOf, feeOn, noShowSlashOf } from "../helpers/fixtures";
import { DEPOSIT, MIN_BOND, activeLeaseFixture, blocklistActiveFixture, report, reportedFixture } from "./fixtures";

describe("LeaseLiveness.settleOutage", () => {
  it("after the window closes the lease as ProviderOffline: paid to the cutoff, the rest and the no-show slash to the renter, the bond back", async () => {
    const s = await reportedFixture();
    const { cutoff, refutableUntil } = s.reported;
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    await time.setNextBlockTimestamp(refutableUntil + 1n);
    const hash = await s.liveness.write.settleOutage([1n], { account: s.stranger.account });

    const gross = accrual(DEPOSIT, 10n, cutoff - s.acceptedAt); // exact to the second of the cutoff
    const slash = noShowSlashOf(DEPOSIT);
    expect(slash).to.equal(4_000_000n); // 10 % of 40 USDC: the per-lease no-show terms
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.ProviderOffline);
    expect(lease.paidGross).to.equal(gross);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + (DEPOSIT - gross) + slash + MIN_BOND);
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + gross - feeOn(gross));
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - slash);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    expect(await s.token.read.balanceOf([s.liveness.address])).to.equal(0n);
    expect((await s.liveness.read.outage([1n])).status).to.equal(3);

    const events = await eventsOf(s, s.liveness.abi, hash);
    const settled = events.find((e) => e.eventName === "OutageSettled")!;
    expect(settled.args).to.deep.equal({ leaseId: 1n, reporter: getAddress(s.renter.account.address), bondReturned: MIN_BOND });
    const closed = (await eventsOf(s, s.escrow.abi, hash)).find((e) => e.eventName === "LeaseClosed")!;
    expect(closed.args).to.deep.include({
      leaseId: 1n,
      reason: CloseReason.ProviderOffline,
      providerTotal: gross - feeOn(gross),
      renterRefund: DEPOSIT - gross,
      feeTotal: feeOn(gross),
    });
  });

  it("refuses while the provider may still refute, naming the window's end", async () => {
    const s = await reportedFixture();
    await time.setNextBlockTimestamp(s.reported.refutableUntil);
    await expect(s.liveness.write.settleOutage([1n])).to.be.rejectedWith(`custom error 'ChallengeWindowOpen(1, ${s.reported.refutableUntil})'`);
  });

  it("refuses without an open report, and a second time", async () => {
    const s = await activeLeaseFixture();
    await expect(s.liveness.write.settleOutage([1n])).to.be.rejectedWith("custom error 'NoOpenOutage(1)'");
    const r = await report(s);
    await time.setNextBlockTimestamp(r.refutableUntil + 1n);
    await s.liveness.write.settleOutage([1n]);
    await expect(s.liveness.write.settleOutage([1n])).to.be.rejectedWith("custom error 'NoOpenOutage(1)'");
  });

  it("sends the bond back to an approved watcher, the refund and slash to the renter", async () => {
    const s = await activeLeaseFixture();
    await s.liveness.write.approveReporter([s.stranger.account.address, true], { account: s.renter.account });
    const r = await report(s, 60n, s.stranger);
    const watcherAfterReport = await s.token.read.balanceOf([s.stranger.account.address]);
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    await time.setNextBlockTimestamp(r.refutableUntil + 1n);
    await s.liveness.write.settleOutage([1n]);
    const gross = accrual(DEPOSIT, 10n, r.cutoff - s.acceptedAt);
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(watcherAfterReport + MIN_BOND);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + DEPOSIT - gross + noShowSlashOf(DEPOSIT));
  });

  it("lets a provider keep what it claimed after the cutoff but before the report", async () => {
    const s = await activeLeaseFixture();
    const claimAt = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(claimAt);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    const paid = accrual(DEPOSIT, 10n, claimAt - s.acceptedAt);
    const r = await report(s, 120n); // cutoff = report - 120 + grace, before the claim
    expect(r.cutoff < claimAt).to.equal(true);
    await time.setNextBlockTimestamp(r.refutableUntil + 1n);
    await s.liveness.write.settleOutage([1n]);
    expect((await s.escrow.read.getLease([1n])).paidGross).to.equal(paid);
  });

  it("refunds the whole deposit of a lease whose provider was last seen before it accepted", async () => {
    const s = await activeLeaseFixture();
    await s.escrow.write.book([1n, 2, 10, 2_000_000n, "0x"], { account: s.renter2.account });
    await s.escrow.write.accept([2n, "0x"], { account: s.provider.account });
    const acceptedAt = BigInt(await time.latest());
    const at = acceptedAt + 10n;
    await time.setNextBlockTimestamp(at);
    await s.liveness.write.reportOutage([2n, acceptedAt - 100n], { account: s.renter2.account }); // cutoff before acceptance
    const renterBefore = await s.token.read.balanceOf([s.renter2.account.address]);
    await time.increase(60);
    await s.liveness.write.settleOutage([2n]);
    expect((await s.escrow.read.getLease([2n])).paidGross).to.equal(0n);
    expect(await s.token.read.balanceOf([s.renter2.account.address])).to.equal(renterBefore + DEPOSIT + noShowSlashOf(DEPOSIT) + MIN_BOND);
  });

  it("settles an outage straddling the lease end: paid up to the cutoff before the end, the rest back", async () => {
    const s = await activeLeaseFixture();
    await time.increaseTo(s.endsAt + 50n);
    const r = await report(s, 100n); // lastSeen = end - 49, cutoff = end - 44
    expect(r.cutoff < s.endsAt).to.equal(true);
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    await time.setNextBlockTimestamp(r.refutableUntil + 1n);
    await s.liveness.write.settleOutage([1n]);
    const gross = accrual(DEPOSIT, 10n, r.cutoff - s.acceptedAt);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + DEPOSIT - gross + noShowSlashOf(DEPOSIT) + MIN_BOND);
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.ProviderOffline);
  });

  it("credits a refund the token refuses to push to the renter, and the bond to a blocked reporter", async () => {
    const s = await blocklistActiveFixture();
    const r = await report(s);
    await (await hre.viem.getContractAt("BlocklistToken", s.token.address)).write.setBlocked([s.renter.account.address, true]);
    await time.setNextBlockTimestamp(r.refutableUntil + 1n);
    await s.liveness.write.settleOutage([1n], { account: s.stranger.account });
    const gross = accrual(DEPOSIT, 10n, r.cutoff - s.acceptedAt);
    expect(await s.escrow.read.withdrawable([s.renter.account.address, s.token.address])).to.equal(DEPOSIT - gross + noShowSlashOf(DEPOSIT));
    expect(await s.liveness.read.withdrawableBond([s.renter.account.address])).to.equal(MIN_BOND);
    await expect(s.liveness.write.withdrawBond(["0x0000000000000000000000000000000000000000"], { account: s.renter.account })).to.be.rejectedWith(
      "custom error 'ZeroRecipient()'",
    );
    await s.liveness.write.withdrawBond([s.renter2.account.address], { account: s.renter.account });
    expect(await s.liveness.read.withdrawableBond([s.renter.account.address])).to.equal(0n);
  });

  it("takes no slash for a lease below the minimum slashable deposit", async () => {
    const s = await activeLeaseFixture();
    // Lease 2: 1 GPU × 2 h = 4 USDC, below the 10 USDC minimum: no slash.
    await s.escrow.write.book([1n, 1, 2, 2_000_000n, "0x"], { account: s.renter2.account });
    await s.escrow.write.accept([2n, "0x"], { account: s.provider.account });
    await time.increase(HOUR / 2n);
    const now = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(now);
    await s.liveness.write.reportOutage([2n, now - 60n], { account: s.renter2.account });
    const stake = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    expect(stake).to.equal(MIN_STAKE);
    await time.increase(60);
    await s.liveness.write.settleOutage([2n]);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE);
  });
});
