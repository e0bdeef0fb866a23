import { expect } from "chai";
import { getAddress, keccak256, stringToHex } from "viem";
import { LeaseStatus, PRICE, REQUEST, USDC, eventsOf } from "../helpers/fixtures";
import { POLICY, policyFixture, quoted, topUpFixture } from "./fixtures";

describe("LeaseTopUps.setPolicy", () => {
  it("stores the renter's policy and announces it", async () => {
    const s = await topUpFixture();
    const hash = await s.topUps.write.setPolicy([1n, POLICY], { account: s.renter.account });
    expect(await s.topUps.read.policyOf([1n])).to.deep.equal({ ...POLICY, spent: 0n });
    const [event] = await eventsOf(s, s.topUps.abi, hash);
    expect(event.eventName).to.equal("PolicySet");
    expect(event.args).to.deep.equal({ leaseId: 1n, renter: getAddress(s.renter.account.address), ...POLICY });
  });

  it("can opt a pending lease in before the provider accepts", async () => {
    const s = await topUpFixture();
    await s.escrow.write.book([1n, 1, 3, PRICE, REQUEST], { account: s.renter.account });
    await s.topUps.write.setPolicy([2n, POLICY], { account: s.renter.account });
    expect((await s.topUps.read.policyOf([2n])).minSecondsLeft).to.equal(POLICY.minSecondsLeft);
  });

  it("replaces a policy but keeps the spend so far, so the cap counts everything spent", async () => {
    const s = await policyFixture();
    await s.topUps.write.setPolicy([1n, { ...POLICY, minSecondsLeft: 11 * 3600 }], { account: s.renter.account });
    await s.topUps.write.topUp([1n], { account: s.stranger.account });
    const spent = (await s.topUps.read.policyOf([1n])).spent;
    expect(spent).to.equal(2n * 2n * PRICE); // just under 10 h left of 11 wanted: 2 whole hours at 2 USDC × 2 GPUs
    const raised = { ...POLICY, maxTotalSpend: 80n * USDC };
    await s.topUps.write.setPolicy([1n, raised], { account: s.renter.account });
    expect(await s.topUps.read.policyOf([1n])).to.deep.equal({ ...raised, spent });
  });

  it("is refused to anyone but the lease's renter, naming the caller", async () => {
    const s = await topUpFixture();
    for (const wallet of [s.stranger, s.provider, s.renter2]) {
      await expect(s.topUps.write.setPolicy([1n, POLICY], { account: wallet.account })).to.be.rejectedWith(`NotRenter(1, ${quoted(wallet.account.address)})`);
    }
  });

  it("refuses a zero threshold, cap or price limit, naming the field", async () => {
    const s = await topUpFixture();
    const write = (params: typeof POLICY) => s.topUps.write.setPolicy([1n, params], { account: s.renter.account });
    await expect(write({ ...POLICY, minSecondsLeft: 0 })).to.be.rejectedWith(`InvalidPolicy("minSecondsLeft")`);
    await expect(write({ ...POLICY, maxTotalSpend: 0n })).to.be.rejectedWith(`InvalidPolicy("maxTotalSpend")`);
    await expect(write({ ...POLICY, maxPricePerGpuHour: 0n })).to.be.rejectedWith(`InvalidPolicy("maxPricePerGpuHour")`);
  });

  it("refuses a disputed or closed lease and an unknown one", async () => {
    const s = await topUpFixture();
    await s.escrow.write.openDispute([1n, keccak256(stringToHex("logs")), "ipfs://e"], { account: s.renter.account });
    await expect(s.topUps.write.setPolicy([1n, POLICY], { account: s.renter.account })).to.be.rejectedWith(`LeaseNotOpen(1, ${LeaseStatus.Disputed})`);
    await s.escrow.write.book([1n, 1, 3, PRICE, REQUEST], { account: s.renter.account });
    await s.escrow.write.cancel([2n], { account: s.renter.account });
    await expect(s.topUps.write.setPolicy([2n, POLICY], { account: s.renter.account })).to.be.rejectedWith(`LeaseNotOpen(2, ${LeaseStatus.Closed})`);
    await expect(s.topUps.write.setPolicy([99n, POLICY], { account: s.renter.account })).to.be.rejectedWith("UnknownLease(99)");
  });
});
