import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, stringToHex } from "viem";
import { HOUR, LeaseStatus, PRICE, REQUEST, accrual, eventsOf } from "../helpers/fixtures";
import { DEPOSIT, GRACE, MAX_AGE, MIN_BOND, WINDOW, activeLeaseFixture, quoted, report, reportedFixture } from "./fixtures";

describe("LeaseLiveness.reportOutage", () => {
  it("suspends the lease, freezes accrual at lastSeen + grace and takes the bond from the reporter", async () => {
    const s = await activeLeaseFixture();
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const r = await report(s, 60n);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Suspended);
    expect(lease.disputedAt).to.equal(r.cutoff);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore - MIN_BOND);
    expect(await s.token.read.balanceOf([s.liveness.address])).to.equal(MIN_BOND);
    const outage = await s.liveness.read.outage([1n]);
    expect(outage).to.deep.include({
      lastSeen: r.lastSeen,
      cutoff: r.cutoff,
      refutableUntil: r.refutableUntil,
      bond: MIN_BOND,
      reportBlock: r.reportBlock,
      status: 1,
    });
    expect(outage.reporter).to.equal(getAddress(s.renter.account.address));
    expect(outage.provider).to.equal(getAddress(s.provider.account.address));
    const [event] = (await eventsOf(s, s.liveness.abi, r.hash)).filter((e) => e.eventName === "OutageReported");
    expect(event.args).to.deep.include({ leaseId: 1n, lastSeen: r.lastSeen, cutoff: r.cutoff, bond: MIN_BOND, refutableUntil: r.at + WINDOW });
    // Frozen: ten minutes later the provider has still earned only up to the cutoff, and can claim nothing.
    await time.increase(600);
    expect(await s.escrow.read.accrued([1n])).to.equal(accrual(DEPOSIT, 10n, r.cutoff - s.acceptedAt));
    expect(await s.escrow.read.claimable([1n])).to.equal(0n);
  });

  it("takes a bond of bondBps of the deposit when that is above the floor", async () => {
    const s = await activeLeaseFixture();
    // Lease 2: 8 GPUs × 700 h = 11,200 USDC; 1 % is 112 USDC.
    await s.escrow.write.book([1n, 6, 700, PRICE, REQUEST], { account: s.renter2.account });
    await s.escrow.write.accept([2n, "0x"], { account: s.provider.account });
    const deposit = 6n * 700n * PRICE;
    expect(await s.liveness.read.bondOf([2n])).to.equal(deposit / 100n);
    expect(await s.liveness.read.bondOf([1n])).to.equal(MIN_BOND);
    await time.increase(HOUR);
    const now = BigInt(await time.latest());
    await s.liveness.write.reportOutage([2n, now - 30n], { account: s.renter2.account });
    expect((await s.liveness.read.outage([2n])).bond).to.equal(deposit / 100n);
    expect(await s.token.read.balanceOf([s.liveness.address])).to.equal(deposit / 100n);
  });

  it("is refused for a pending, disputed or closed lease with the lease's status", async () => {
    const s = await activeLeaseFixture();
    const now = BigInt(await time.latest());
    await s.escrow.write.book([1n, 1, 2, PRICE, REQUEST], { account: s.renter.account }); // lease 2, pending
    await expect(s.liveness.write.reportOutage([2n, now - 30n], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'WrongStatus(2, ${LeaseStatus.Pending})'`,
    );
    await s.escrow.write.openDispute([1n, keccak256(stringToHex("logs")), "ipfs://e"], { account: s.renter.account });
    await expect(s.liveness.write.reportOutage([1n, now - 30n], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'WrongStatus(1, ${LeaseStatus.Disputed})'`,
    );
    await s.escrow.write.cancel([2n], { account: s.renter.account });
    await expect(s.liveness.write.reportOutage([2n, now - 30n], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'WrongStatus(2, ${LeaseStatus.Closed})'`,
    );
    await expect(s.liveness.write.reportOutage([99n, now - 30n], { account: s.renter.account })).to.be.rejectedWith("custom error 'UnknownLease(99)'");
  });

  it("is refused while a report is open (a suspended lease)", async () => {
    const s = await reportedFixture();
    const now = BigInt(await time.latest());
    await expect(s.liveness.write.reportOutage([1n, now - 30n], { account: s.renter.account })).to.be.rejectedWith("custom error 'OutageAlreadyReported(1)'");
  });

  it("is the renter's or an approved reporter's alone", async () => {
    const s = await activeLeaseFixture();
    const now = BigInt(await time.latest());
    for (const wallet of [s.stranger, s.provider, s.renter2]) {
      await expect(s.liveness.write.reportOutage([1n, now - 30n], { account: wallet.account })).to.be.rejectedWith(
        `custom error 'NotReporter(1, ${quoted(wallet.account.address)})'`,
      );
    }
    // Another renter's approval does not count for this lease.
    await s.liveness.write.approveReporter([s.stranger.account.address, true], { account: s.renter2.account });
    await expect(s.liveness.write.reportOutage([1n, now - 30n], { account: s.stranger.account })).to.be.rejectedWith(
      `custom error 'NotReporter(1, ${quoted(s.stranger.account.address)})'`,
    );
    await s.liveness.write.approveReporter([s.stranger.account.address, true], { account: s.renter.account });
    const strangerBefore = await s.token.read.balanceOf([s.stranger.account.address]);
    const r = await report(s, 60n, s.stranger);
    expect((await s.liveness.read.outage([1n])).reporter).to.equal(getAddress(s.stranger.account.address));
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(strangerBefore - MIN_BOND);
    expect(r.cutoff).to.equal(r.lastSeen + GRACE);
  });

  it("refuses a lastSeen older than maxOutageAge, naming the oldest allowed", async () => {
    const s = await activeLeaseFixture();
    const at = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(at);
    await expect(s.liveness.write.reportOutage([1n, at - MAX_AGE - 1n], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'OutageTooOld(${at - MAX_AGE - 1n}, ${at - MAX_AGE})'`,
    );
    await time.setNextBlockTimestamp(at + 1n);
    await s.liveness.write.reportOutage([1n, at + 1n - MAX_AGE], { account: s.renter.account }); // exactly the oldest: fine
  });

  it("refuses while the provider is within its grace (cutoff in the future)", async () => {
    const s = await activeLeaseFixture();
    const at = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(at);
    await expect(s.liveness.write.reportOutage([1n, at - GRACE + 1n], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'CutoffInFuture(${at + 1n})'`,
    );
    await time.setNextBlockTimestamp(at + 1n);
    await s.liveness.write.reportOutage([1n, at + 1n - GRACE], { account: s.renter.account }); // cutoff == now: fine
  });

  it("takes an outage straddling the end of a lease not yet closed, but not one that began after the end", async () => {
    const s = await activeLeaseFixture();
    await time.increaseTo(s.endsAt + 100n);
    const at = s.endsAt + 101n;
    await time.setNextBlockTimestamp(at);
    await expect(s.liveness.write.reportOutage([1n, s.endsAt - GRACE], { account: s.renter.account })).to.be.rejectedWith(
      `custom error 'LeaseEnded(1, ${s.endsAt})'`,
    );
    await time.setNextBlockTimestamp(at + 1n);
    await s.liveness.write.reportOutage([1n, s.endsAt - GRACE - 1n], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Suspended);
  });
});
