import { expect } from "chai";
import { customError } from "../helpers/errors";
import {
  CloseReason,
  LeaseStatus,
  PRICE,
  REQUEST,
  SLASH_TERMS,
  USDC,
  atTimestamp,
  eventsOf,
  noShowSlashOf,
  offerFixture,
  pendingLeaseFixture,
} from "../helpers/fixtures";

describe("LeaseEscrow.reclaim", () => {
  it("after the window: full refund plus the provider's proportional slash, units freed", async () => {
    const s = await pendingLeaseFixture();
    const slash = noShowSlashOf(s.deposit); // 10 % of 40 USDC
    expect(slash).to.equal(4n * USDC);
    expect(await s.escrow.read.noShowSlash([1n])).to.equal(slash);
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    await atTimestamp(acceptDeadline + 1n);
    const hash = await s.escrow.write.reclaim([1n], { account: s.renter.account });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before + s.deposit + slash);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - slash);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.NotAccepted);
    const names = (await eventsOf(s, s.escrow.abi, hash)).map((e) => e.eventName);
    expect(names).to.include("LeaseClosed");
    const slashed = (await eventsOf(s, s.registry.abi, hash)).find((e) => e.eventName === "ProviderSlashed");
    expect(slashed?.args.amount).to.equal(slash);
  });

  it("is refused at the deadline and at deadline − 1", async () => {
    for (const offset of [-1n, 0n]) {
      const s = await pendingLeaseFixture();
      const { acceptDeadline } = await s.escrow.read.getLease([1n]);
      await atTimestamp(acceptDeadline + offset);
      await expect(s.escrow.write.reclaim([1n], { account: s.renter.account })).to.be.rejectedWith(`AcceptWindowOpen(1, ${acceptDeadline})`);
    }
  });

  it("after a late accept attempt was refused, reclaim still works", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await expect(s.escrow.write.accept([1n, "0x"], { account: s.provider.account })).to.be.rejectedWith(customError("AcceptWindowClosed", 1n, acceptDeadline));
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).closeReason).to.equal(CloseReason.NotAccepted);
  });

  it("griefing: a booking below the minimum deposit cannot trigger a slash (32 tiny bookings drain nothing)", async () => {
    const s = await offerFixture();
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    // 1 GPU × 1 h at 2 USDC: below the 10 USDC minimum; booked 8 times (all the units).
    for (let i = 0; i < 8; i++) await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
    expect(await s.escrow.read.noShowSlash([1n])).to.equal(0n);
    const { acceptDeadline } = await s.escrow.read.getLease([8n]);
    await atTimestamp(acceptDeadline + 1n);
    for (let id = 1n; id <= 8n; id++) {
      const hash = await s.escrow.write.reclaim([id], { account: s.renter.account });
      expect((await eventsOf(s, s.registry.abi, hash)).map((e) => e.eventName)).not.to.include("ProviderSlashed");
    }
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore);
  });

  it("the slash scales with the booking up to the per-lease cap, and never beyond the stake", async () => {
    const s = await offerFixture();
    // 8 GPUs × 720 h × 2 USDC = 11,520 USDC: 10 % would be 1,152 USDC, the cap is 50 USDC.
    await s.escrow.write.book([1n, 8, 720, PRICE, REQUEST], { account: s.renter.account });
    expect(await s.escrow.read.noShowSlash([1n])).to.equal(SLASH_TERMS.maxSlashPerLease);
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    const stake = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    expect(stake).to.equal(100n * USDC - SLASH_TERMS.maxSlashPerLease);

    // With a cap above the stake, the registry bounds the slash by what is left.
    await s.escrow.write.setSlashTerms([{ ...SLASH_TERMS, maxSlashPerLease: 10_000n * USDC }]);
    await s.registry.write.addStake([100n * USDC], { account: s.provider.account }); // bookable again: 150 USDC
    await s.escrow.write.book([1n, 8, 720, PRICE, REQUEST], { account: s.renter2.account });
    await atTimestamp(BigInt((await s.escrow.read.getLease([2n])).acceptDeadline) + 1n);
    await s.escrow.write.reclaim([2n], { account: s.renter2.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(0n);
  });

  it("L-5: slash terms are fixed at booking; a later change does not reach the open lease", async () => {
    const s = await pendingLeaseFixture();
    await s.escrow.write.setSlashTerms([{ ...SLASH_TERMS, noShowSlashBps: 5_000 }]);
    expect(await s.escrow.read.noShowSlash([1n])).to.equal(noShowSlashOf(s.deposit));
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    const hash = await s.escrow.write.reclaim([1n], { account: s.renter.account });
    const slashed = (await eventsOf(s, s.registry.abi, hash)).find((e) => e.eventName === "ProviderSlashed");
    expect(slashed?.args.amount).to.equal(noShowSlashOf(s.deposit));
  });

  it("is for the renter of a pending lease only", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await expect(s.escrow.write.reclaim([1n], { account: s.stranger.account })).to.be.rejectedWith(customError("NotRenter", 1n, s.stranger.account.address));
    await s.escrow.write.reclaim([1n], { account: s.renter.account });
    await expect(s.escrow.write.reclaim([1n], { account: s.renter.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Closed));
  });
});
