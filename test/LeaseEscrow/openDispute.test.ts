import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, stringToHex } from "viem";
import { customError } from "../helpers/errors";
import {
  DISPUTE_GRACE,
  DISPUTE_TIMEOUT,
  HOUR,
  LeaseStatus,
  USDC,
  accrual,
  bondOf,
  activeLeaseFixture,
  atTimestamp,
  eventsOf,
  pendingLeaseFixture,
} from "../helpers/fixtures";

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
      customError("DisputeWindowClosed", 1n, s.endsAt + DISPUTE_GRACE),
    );
  });

  it("is for the renter of a running lease only, once", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.provider.account })).to.be.rejectedWith(
      customError("NotRenter", 1n, s.provider.account.address),
    );
    await s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account });
    await expect(s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account })).to.be.rejectedWith(
      customError("WrongStatus", 1n, LeaseStatus.Disputed),
    );
    const p = await pendingLeaseFixture();
    await expect(p.escrow.write.openDispute([1n, EVIDENCE, ""], { account: p.renter.account })).to.be.rejectedWith(
      customError("WrongStatus", 1n, LeaseStatus.Pending),
    );
  });
});

describe("LeaseEscrow.openDispute v2", () => {
  it("pulls a bond proportionate to the deposit and records it", async () => {
    const s = await activeLeaseFixture();
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    const hash = await s.escrow.write.openDispute([1n, EVIDENCE, "ipfs://e"], { account: s.renter.account });
    const bond = bondOf(s.deposit);
    expect(bond).to.equal(2n * USDC); // 5 % of 40 USDC
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before - bond);
    expect(await s.escrow.read.disputeBond([1n])).to.equal(bond);
    const [opened] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "DisputeOpened");
    expect(opened.args.bond).to.equal(bond);
  });

  it("L-5: the grace period and the timeout are those of the booking, not the current settings", async () => {
    const s = await activeLeaseFixture();
    await s.escrow.write.setDisputeGrace([0n]);
    await s.escrow.write.setDisputeTimeout([60n]);
    expect(await s.escrow.read.leaseTerms([1n])).to.deep.include({ disputeGrace: Number(DISPUTE_GRACE), disputeTimeout: Number(DISPUTE_TIMEOUT) });
    // Still inside the grace period this lease was booked with.
    await atTimestamp(s.endsAt + DISPUTE_GRACE);
    await s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account });
    const disputedAt = s.endsAt + DISPUTE_GRACE;
    // The shortened timeout does not apply: finalizing needs the booked one.
    await atTimestamp(disputedAt + 61n);
    await expect(s.escrow.write.finalizeDispute([1n])).to.be.rejectedWith(`DisputeTimeoutNotReached(1, ${disputedAt + DISPUTE_TIMEOUT})`);
  });
});

describe("LeaseEscrow.answerDispute", () => {
  it("lets the provider answer an open dispute with its own evidence", async () => {
    const s = await activeLeaseFixture();
    await s.escrow.write.openDispute([1n, EVIDENCE, ""], { account: s.renter.account });
    const answer = keccak256(stringToHex("gpu logs"));
    await expect(s.escrow.write.answerDispute([1n, answer, "ipfs://a"], { account: s.renter.account })).to.be.rejectedWith(
      `NotProvider(1, "${getAddress(s.renter.account.address)}")`,
    );
    const hash = await s.escrow.write.answerDispute([1n, answer, "ipfs://a"], { account: s.provider.account });
    const [answered] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "DisputeAnswered");
    expect(answered.args).to.deep.equal({ leaseId: 1n, provider: getAddress(s.provider.account.address), evidenceHash: answer, evidenceURI: "ipfs://a" });
  });

  it("only while the dispute is open", async () => {
    const s = await activeLeaseFixture();
    await expect(s.escrow.write.answerDispute([1n, EVIDENCE, ""], { account: s.provider.account })).to.be.rejectedWith(`WrongStatus(1, ${LeaseStatus.Active})`);
  });
});
