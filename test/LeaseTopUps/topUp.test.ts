import { expect } from "chai";
import hre from "hardhat";
import { getAddress, keccak256, stringToHex } from "viem";
import { customError } from "../helpers/errors";
import { HOUR, LeaseStatus, PRICE, REQUEST, USDC, atTimestamp, eventsOf } from "../helpers/fixtures";
import { activeLeaseFixture as livenessActiveFixture, report } from "../LeaseLiveness/fixtures";
import { HOUR_COST, POLICY, policyFixture, quoted, topUpFixture } from "./fixtures";

describe("LeaseTopUps.topUp", () => {
  it("buys the whole hours back to the threshold, paid by the renter, whoever calls", async () => {
    const s = await policyFixture();
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const callerBefore = await s.token.read.balanceOf([s.stranger.account.address]);
    await atTimestamp(s.endsAt - 1800n); // 30 min left, 2 h wanted: 1.5 h short, so 2 whole hours
    const hash = await s.topUps.write.topUp([1n], { account: s.stranger.account });
    const cost = 2n * HOUR_COST;
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore - cost);
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(callerBefore);
    expect(await s.token.read.balanceOf([s.topUps.address])).to.equal(0n); // nothing stays behind
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.deposit).to.equal(s.deposit + cost);
    expect(lease.durationHours).to.equal(12);
    expect(lease.endsAt).to.equal(s.endsAt + 2n * HOUR);
    expect((await s.topUps.read.policyOf([1n])).spent).to.equal(cost);
    const events = await eventsOf(s, s.topUps.abi, hash);
    const toppedUp = events.find((e) => e.eventName === "LeaseToppedUp");
    expect(toppedUp?.args).to.deep.equal({
      leaseId: 1n,
      caller: getAddress(s.stranger.account.address),
      extraHours: 2,
      cost,
      totalSpent: cost,
      endsAt: s.endsAt + 2n * HOUR,
    });
    const extended = (await eventsOf(s, s.escrow.abi, hash)).find((e) => e.eventName === "LeaseExtended");
    expect(extended?.args).to.deep.include({ leaseId: 1n, extraHours: 2, extraDeposit: cost });
  });

  it("is not due while the time left is at the threshold, and buys one hour one second below it", async () => {
    const s = await policyFixture();
    const threshold = BigInt(POLICY.minSecondsLeft);
    await atTimestamp(s.endsAt - threshold);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(`TopUpNotNeeded(1, ${threshold}, ${threshold})`);
    await atTimestamp(s.endsAt - threshold + 1n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.endsAt).to.equal(s.endsAt + HOUR);
    expect((await s.topUps.read.policyOf([1n])).spent).to.equal(HOUR_COST);
    // Right after a top-up it is no longer due: one second later an hour more than the threshold is left, less 2 s.
    await atTimestamp(s.endsAt - threshold + 2n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(
      customError("TopUpNotNeeded", 1n, HOUR + threshold - 2n, threshold),
    );
  });

  it("buys no more than maxHoursPerTopUp at a time", async () => {
    const s = await topUpFixture();
    await s.topUps.write.setPolicy([1n, { ...POLICY, minSecondsLeft: 6 * 3600, maxHoursPerTopUp: 3 }], { account: s.renter.account });
    await atTimestamp(s.endsAt - 600n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    expect((await s.escrow.read.getLease([1n])).endsAt).to.equal(s.endsAt + 3n * HOUR);
  });

  it("buys fewer hours when only some fit the cap, then refuses with the cost and what is left", async () => {
    const s = await topUpFixture();
    // 10 USDC cap, 4 USDC per hour: 2 of the 3 wanted hours fit, then 2 USDC remain, less than an hour.
    await s.topUps.write.setPolicy([1n, { ...POLICY, minSecondsLeft: 3 * 3600, maxTotalSpend: 10n * USDC }], { account: s.renter.account });
    await atTimestamp(s.endsAt - 60n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    expect((await s.topUps.read.policyOf([1n])).spent).to.equal(2n * HOUR_COST);
    expect((await s.escrow.read.getLease([1n])).endsAt).to.equal(s.endsAt + 2n * HOUR);
    await atTimestamp(s.endsAt + 2n * HOUR - 60n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(
      `SpendCapReached(1, ${HOUR_COST}, ${10n * USDC - 2n * HOUR_COST})`,
    );
  });

  it("never spends past the cap however often it is called", async () => {
    const s = await policyFixture();
    let at = s.endsAt - 60n;
    for (;;) {
      await atTimestamp(at);
      try {
        await s.topUps.write.topUp([1n], { account: s.stranger.account });
      } catch (error) {
        expect((error as Error).message).to.contain("SpendCapReached");
        break;
      }
      at = (await s.escrow.read.getLease([1n])).endsAt - 60n;
    }
    const spent = (await s.topUps.read.policyOf([1n])).spent;
    // 50 USDC at 4 USDC an hour: 12 hours (48 USDC), exactly what the deposit grew by.
    expect(spent).to.equal(12n * HOUR_COST);
    expect((await s.escrow.read.getLease([1n])).deposit).to.equal(s.deposit + spent);
  });

  it("refuses while the offer's price is above the renter's limit, and pays the current price within it", async () => {
    const s = await policyFixture();
    await s.registry.write.updatePrice([1n, 4n * USDC], { account: s.provider.account });
    await atTimestamp(s.endsAt - 60n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(
      `PriceAboveLimit(1, ${4n * USDC}, ${POLICY.maxPricePerGpuHour})`,
    );
    await s.registry.write.updatePrice([1n, 3n * USDC], { account: s.provider.account });
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before - 2n * 2n * 3n * USDC);
  });

  it("refuses once the renter revoked, and when no policy was ever set", async () => {
    const s = await policyFixture();
    await s.topUps.write.revoke([1n], { account: s.renter.account });
    await atTimestamp(s.endsAt - 60n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith("TopUpNotEnabled(1)");
    await expect(s.topUps.write.topUp([7n], { account: s.stranger.account })).to.be.rejectedWith("TopUpNotEnabled(7)");
  });

  it("refuses a pending, disputed or closed lease, naming its status", async () => {
    const s = await policyFixture();
    await s.escrow.write.book([1n, 1, 3, PRICE, REQUEST], { account: s.renter.account });
    await s.topUps.write.setPolicy([2n, { ...POLICY, minSecondsLeft: 100 * 3600 }], { account: s.renter.account });
    await expect(s.topUps.write.topUp([2n], { account: s.stranger.account })).to.be.rejectedWith(`LeaseNotActive(2, ${LeaseStatus.Pending})`);
    await s.escrow.write.openDispute([1n, keccak256(stringToHex("logs")), "ipfs://e"], { account: s.renter.account });
    await atTimestamp(s.endsAt - 60n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(`LeaseNotActive(1, ${LeaseStatus.Disputed})`);
    await s.escrow.write.cancel([2n], { account: s.renter.account });
    await expect(s.topUps.write.topUp([2n], { account: s.stranger.account })).to.be.rejectedWith(`LeaseNotActive(2, ${LeaseStatus.Closed})`);
  });

  it("refuses a lease suspended by an outage report, and a policy cannot be set on it", async () => {
    const s = await livenessActiveFixture();
    const topUps = await hre.viem.deployContract("LeaseTopUps", [s.escrow.address]);
    await s.token.write.approve([topUps.address, 1_000n * USDC], { account: s.renter.account });
    await topUps.write.setPolicy([1n, { ...POLICY, minSecondsLeft: 100 * 3600 }], { account: s.renter.account });
    await report(s);
    await expect(topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(`LeaseNotActive(1, ${LeaseStatus.Suspended})`);
    await expect(topUps.write.setPolicy([1n, POLICY], { account: s.renter.account })).to.be.rejectedWith(`LeaseNotOpen(1, ${LeaseStatus.Suspended})`);
  });

  it("refuses a lease whose time already ran out", async () => {
    const s = await policyFixture();
    await atTimestamp(s.endsAt);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(`LeaseAlreadyEnded(1, ${s.endsAt})`);
  });

  it("refuses without the renter's allowance, naming what is missing", async () => {
    const s = await policyFixture();
    await s.token.write.approve([s.topUps.address, HOUR_COST], { account: s.renter.account });
    await atTimestamp(s.endsAt - 1800n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(
      `AllowanceTooLow(${quoted(s.renter.account.address)}, ${HOUR_COST}, ${2n * HOUR_COST})`,
    );
    // Someone else's allowance is of no use: the money only ever comes from the renter.
    await s.token.write.approve([s.topUps.address, 1_000n * USDC], { account: s.stranger.account });
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith(
      customError("AllowanceTooLow", s.renter.account.address, HOUR_COST, 2n * HOUR_COST),
    );
  });

  it("refuses when the offer is off sale or the lease is at the offer's maximum, and buys only what still fits", async () => {
    const s = await policyFixture();
    await s.registry.write.pauseOffer([1n], { account: s.provider.account });
    await atTimestamp(s.endsAt - 1800n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith("OfferNotBookable(1)");
    await s.registry.write.resumeOffer([1n], { account: s.provider.account });
    await s.escrow.write.extend([1n, 709, PRICE], { account: s.renter.account }); // 719 of the offer's 720 hours
    const endsAt = (await s.escrow.read.getLease([1n])).endsAt;
    await atTimestamp(endsAt - 1800n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account }); // 2 wanted, 1 fits
    expect((await s.escrow.read.getLease([1n])).durationHours).to.equal(720);
    await atTimestamp(endsAt + HOUR - 1800n);
    await expect(s.topUps.write.topUp([1n], { account: s.stranger.account })).to.be.rejectedWith("OfferMaxHoursReached(1, 720)");
  });
});
