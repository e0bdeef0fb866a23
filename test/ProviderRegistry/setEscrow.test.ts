import { expect } from "chai";
import { getAddress, zeroHash } from "viem";
import { customError } from "../helpers/errors";
import { CloseReason, LeaseStatus, atTimestamp, deployEscrow, disputedLeaseFixture, noShowSlashOf, PRICE, REQUEST } from "../helpers/fixtures";

describe("ProviderRegistry.setEscrow", () => {
  it("M-2: after rewiring, the retired escrow's open leases still close, refund and slash", async () => {
    const s = await disputedLeaseFixture(); // lease 1 disputed
    // Two more leases on the old escrow: one running, one pending.
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter2.account });
    await s.escrow.write.accept([2n, "0x"], { account: s.provider.account });
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter2.account });
    const newEscrow = await deployEscrow("LeaseEscrow", [s.registry.address, s.escrowConfig]);
    await s.registry.write.setEscrow([newEscrow.address]);
    expect(getAddress(await s.registry.read.escrow())).to.equal(getAddress(newEscrow.address));
    expect(await s.registry.read.isEscrow([s.escrow.address])).to.equal(true);

    // The retired escrow cannot take new bookings (only the current one reserves)...
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      `NotEscrow("${getAddress(s.escrow.address)}")`,
    );
    // ...but every exit of its own leases works: cancel, resolve (with a slash), reclaim (with the no-show slash).
    await s.escrow.write.cancel([2n], { account: s.renter2.account });
    await s.escrow.write.resolveDispute([1n, s.deposit, 0n, 1_000_000n, true], { account: s.arbiter.account });
    const { acceptDeadline } = await s.escrow.read.getLease([3n]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    await atTimestamp(BigInt(acceptDeadline) + 1n);
    await s.escrow.write.reclaim([3n], { account: s.renter2.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - noShowSlashOf(2n * 10n * PRICE));
    for (const id of [1n, 2n, 3n]) expect((await s.escrow.read.getLease([id])).status).to.equal(LeaseStatus.Closed);
    expect((await s.escrow.read.getLease([3n])).closeReason).to.equal(CloseReason.NotAccepted);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    expect((await s.registry.read.getProvider([s.provider.account.address])).openLeases).to.equal(0);
    // The old escrow holds nothing but its unswept fees.
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(await s.escrow.read.feesAccrued());
    // And the new escrow books as usual.
    await s.registry.write.addStake([10n * 1_000_000n], { account: s.provider.account }); // back above the minimum
    await newEscrow.write.setTokenAllowed([s.token.address, true]);
    await s.token.write.approve([newEscrow.address, 2n ** 255n], { account: s.renter.account });
    await newEscrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
  });

  it("is admin-only and refuses the zero address", async () => {
    const s = await disputedLeaseFixture();
    await expect(s.registry.write.setEscrow([s.stranger.account.address], { account: s.stranger.account })).to.be.rejectedWith(
      customError("AccessControlUnauthorizedAccount", s.stranger.account.address, zeroHash),
    );
    await expect(s.registry.write.setEscrow(["0x0000000000000000000000000000000000000000"])).to.be.rejectedWith("ZeroAddress()");
  });
});
