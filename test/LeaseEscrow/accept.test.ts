import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress } from "viem";
import { customError } from "../helpers/errors";
import { HOUR, LeaseStatus, atTimestamp, eventsOf, pendingLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.accept", () => {
  it("starts billing at acceptance and emits the encrypted access details", async () => {
    const s = await pendingLeaseFixture();
    const hash = await s.escrow.write.accept([1n, "0xc0ffee"], { account: s.provider.account });
    const acceptedAt = BigInt(await time.latest());
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Active);
    expect(lease.acceptedAt).to.equal(acceptedAt);
    expect(lease.endsAt).to.equal(acceptedAt + 10n * HOUR);
    expect(lease.provider).to.equal(getAddress(s.provider.account.address));
    const [accepted] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseAccepted");
    expect(accepted.args).to.deep.include({ leaseId: 1n, acceptedAt, endsAt: acceptedAt + 10n * HOUR, encryptedAccess: "0xc0ffee" });
    expect(await s.escrow.read.accrued([1n])).to.equal(0n);
  });

  it("accepts at deadline − 1 and exactly at the deadline", async () => {
    for (const offset of [-1n, 0n]) {
      const s = await pendingLeaseFixture();
      const { acceptDeadline } = await s.escrow.read.getLease([1n]);
      await atTimestamp(acceptDeadline + offset);
      await s.escrow.write.accept([1n, "0x01"], { account: s.provider.account });
      expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Active);
    }
  });

  it("reverts at deadline + 1", async () => {
    const s = await pendingLeaseFixture();
    const { acceptDeadline } = await s.escrow.read.getLease([1n]);
    await atTimestamp(acceptDeadline + 1n);
    await expect(s.escrow.write.accept([1n, "0x01"], { account: s.provider.account })).to.be.rejectedWith(
      customError("AcceptWindowClosed", 1n, acceptDeadline),
    );
  });

  it("only the offer's provider can accept, only once", async () => {
    const s = await pendingLeaseFixture();
    await expect(s.escrow.write.accept([1n, "0x01"], { account: s.stranger.account })).to.be.rejectedWith(
      customError("NotProvider", 1n, s.stranger.account.address),
    );
    await s.escrow.write.accept([1n, "0x01"], { account: s.provider.account });
    await expect(s.escrow.write.accept([1n, "0x01"], { account: s.provider.account })).to.be.rejectedWith(customError("WrongStatus", 1n, LeaseStatus.Active));
    await expect(s.escrow.write.accept([2n, "0x01"], { account: s.provider.account })).to.be.rejectedWith(customError("UnknownLease", 2n));
  });
});
