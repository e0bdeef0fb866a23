import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, stringToHex } from "viem";
import { DISPUTE_GRACE, HOUR, LeaseStatus, accrual, activeLeaseFixture, atTimestamp, eventsOf, pendingLeaseFixture } from "../helpers/fixtures";

const EVIDENCE = keccak256(stringToHex("gpu missing"));

describe("LeaseEscrow.openDispute", () => {
  it("freezes accrual at the moment the dispute opens", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + 2n * HOUR);
    const hash = await s.escrow.write.openDispute([1n, EVIDENCE, "ipfs://e"], { account: s.renter.account });
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Disputed);
    expect(lease.disputedAt).to.equal(s.acceptedAt + 2n * HOUR);
    await time.increase(5n * HOUR);
    expect(await s.escrow.read.accrued([1n])).to.equal(accrual(s.deposit, 10n, 2n * HOUR));
    expect(await s.escrow.read.claimable([1n])).to.equal(0n);
    const [opened] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "DisputeOpened");
    expect(opened.args).to.deep.include({ leaseId: 1n, evidenceHash: EVIDENCE, evidenceURI: "ipfs://e" });
  });

  it("is allowed during the grace period after the end, up to and including its last second", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt + DISPUTE_GRACE);
    await s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account });
    expect(await s.escrow.read.accrued([1n])).to.equal(s.deposit);
  });

  it("is refused one second after the grace period", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.endsAt + DISPUTE_GRACE + 1n);
    await expect(s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account })).to.be.rejectedWith(
      "DisputeWindowClosed",
    );
  });

  it("is for the renter of a running lease only, once", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.provider.account })).to.be.rejectedWith("NotRenter");
    await s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account });
    await expect(s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account })).to.be.rejectedWith("WrongStatus");
    const p = await pendingLeaseFixture();
    await expect(p.escrow.write.openDispute([1n, EVIDENCE, ""], { account: p.renter.account })).to.be.rejectedWith("WrongStatus");
  });
});
