import { expect } from "chai";
import { customError } from "../helpers/errors";
import { CloseReason, DISPUTE_TIMEOUT, HOUR, LeaseStatus, accrual, atTimestamp, disputedLeaseFixture, bondOf, eventsOf, feeOn } from "../helpers/fixtures";

describe("LeaseEscrow.finalizeDispute", () => {
  it("after the timeout anyone settles as if cancelled when the dispute opened", async () => {
    const s = await disputedLeaseFixture();
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    await atTimestamp(s.disputedAt + DISPUTE_TIMEOUT);
    const hash = await s.escrow.write.finalizeDispute([1n], { account: s.stranger.account });
    const owed = accrual(s.deposit, 10n, HOUR);
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + s.deposit - owed + bondOf(s.deposit));
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + owed - feeOn(owed));
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.closeReason).to.equal(CloseReason.DisputeResolved);
    const finalized = (await eventsOf(s, s.escrow.abi, hash)).find((e) => e.eventName === "DisputeFinalized");
    expect(finalized?.args).to.deep.include({ renterAmount: s.deposit - owed, providerAmount: owed });
  });

  it("is refused one second before the timeout", async () => {
    const s = await disputedLeaseFixture();
    await atTimestamp(s.disputedAt + DISPUTE_TIMEOUT - 1n);
    await expect(s.escrow.write.finalizeDispute([1n])).to.be.rejectedWith(customError("DisputeTimeoutNotReached", 1n, s.disputedAt + DISPUTE_TIMEOUT));
  });

  it("cannot run twice, nor after the arbiter resolved", async () => {
    const s = await disputedLeaseFixture();
    await s.escrow.write.resolveDispute([1n, s.deposit, 0n, 0n, true], { account: s.arbiter.account });
    await atTimestamp(s.disputedAt + DISPUTE_TIMEOUT + 1n);
    await expect(s.escrow.write.finalizeDispute([1n])).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Closed));
  });
});
