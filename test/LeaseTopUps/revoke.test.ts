import { expect } from "chai";
import { getAddress } from "viem";
import { atTimestamp, eventsOf } from "../helpers/fixtures";
import { HOUR_COST, POLICY, policyFixture, quoted, topUpFixture } from "./fixtures";

describe("LeaseTopUps.revoke", () => {
  it("stops top-ups at once and keeps the spend so far", async () => {
    const s = await policyFixture();
    await atTimestamp(s.endsAt - 1800n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    const hash = await s.topUps.write.revoke([1n], { account: s.renter.account });
    const [event] = await eventsOf(s, s.topUps.abi, hash);
    expect(event.eventName).to.equal("PolicyRevoked");
    expect(event.args).to.deep.equal({ leaseId: 1n, renter: getAddress(s.renter.account.address), spent: 2n * HOUR_COST });
    expect(await s.topUps.read.policyOf([1n])).to.deep.equal({
      minSecondsLeft: 0,
      maxHoursPerTopUp: 0,
      maxTotalSpend: 0n,
      maxPricePerGpuHour: 0n,
      spent: 2n * HOUR_COST,
    });
    await expect(s.topUps.read.previewTopUp([1n])).to.be.rejectedWith("TopUpNotEnabled(1)");
  });

  it("a policy set again counts what was already spent against its cap", async () => {
    const s = await policyFixture();
    await atTimestamp(s.endsAt - 1800n);
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    await s.topUps.write.revoke([1n], { account: s.renter.account });
    // Due again (below 3 h), but the new cap leaves 1 unit after the 8 already spent.
    await s.topUps.write.setPolicy([1n, { ...POLICY, minSecondsLeft: 4 * 3600, maxTotalSpend: 2n * HOUR_COST + 1n }], {
      account: s.renter.account,
    });
    await expect(s.topUps.read.previewTopUp([1n])).to.be.rejectedWith(`SpendCapReached(1, ${HOUR_COST}, 1)`);
  });

  it("is the renter's alone", async () => {
    const s = await policyFixture();
    for (const wallet of [s.stranger, s.provider]) {
      await expect(s.topUps.write.revoke([1n], { account: wallet.account })).to.be.rejectedWith(`NotRenter(1, ${quoted(wallet.account.address)})`);
    }
  });

  it("refuses when no policy is in force", async () => {
    const s = await topUpFixture();
    await expect(s.topUps.write.revoke([1n], { account: s.renter.account })).to.be.rejectedWith("TopUpNotEnabled(1)");
  });
});
