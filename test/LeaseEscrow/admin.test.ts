import { expect } from "chai";
import { getAddress, zeroAddress, zeroHash } from "viem";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import {
  DAY,
  FEE_BPS,
  PAUSER_ROLE,
  PRICE,
  REQUEST,
  SLASH_TERMS,
  activeLeaseFixture,
  atTimestamp,
  deployEscrow,
  offerFixture,
  systemFixture,
} from "../helpers/fixtures";

/** The contract's caps: a fee of at most 10 %, windows of at most 30 days. */
const MAX_FEE_BPS = 1_000;
const MAX_WINDOW = 30n * DAY;

describe("LeaseEscrow admin", () => {
  it("constructor rejects a zero registry, zero treasury, a fee above 10% and bad windows", async () => {
    const s = await systemFixture();
    const good = s.escrowConfig;
    await expect(deployEscrow("LeaseEscrow", [zeroAddress, good])).to.be.rejectedWith(customError("ZeroAddress"));
    await expect(deployEscrow("LeaseEscrow", [s.registry.address, { ...good, treasury: zeroAddress }])).to.be.rejectedWith(customError("ZeroAddress"));
    await expect(deployEscrow("LeaseEscrow", [s.registry.address, { ...good, feeBps: 1001 }])).to.be.rejectedWith(customError("FeeTooHigh", 1001, MAX_FEE_BPS));
    await expect(deployEscrow("LeaseEscrow", [s.registry.address, { ...good, acceptWindow: 0n }])).to.be.rejectedWith(
      customError("InvalidDuration", "acceptWindow", 0n),
    );
    await expect(deployEscrow("LeaseEscrow", [s.registry.address, { ...good, disputeTimeout: MAX_WINDOW + DAY }])).to.be.rejectedWith(
      customError("InvalidDuration", "disputeTimeout", MAX_WINDOW + DAY),
    );
    await expect(deployEscrow("LeaseEscrow", [s.registry.address, { ...good, disputeGrace: MAX_WINDOW + DAY }])).to.be.rejectedWith(
      customError("InvalidDuration", "disputeGrace", MAX_WINDOW + DAY),
    );
  });

  it("exposes its configuration", async () => {
    const s = await systemFixture();
    expect(await s.escrow.read.feeBps()).to.equal(FEE_BPS);
    expect(await s.escrow.read.acceptWindow()).to.equal(s.escrowConfig.acceptWindow);
    expect(await s.escrow.read.disputeGrace()).to.equal(s.escrowConfig.disputeGrace);
    expect(await s.escrow.read.disputeTimeout()).to.equal(s.escrowConfig.disputeTimeout);
    expect(await s.escrow.read.currentTerms()).to.deep.equal({
      disputeGrace: Number(s.escrowConfig.disputeGrace),
      disputeTimeout: Number(s.escrowConfig.disputeTimeout),
      ...SLASH_TERMS,
    });
    expect((await s.escrow.read.paymentToken()).toLowerCase()).to.equal(s.token.address.toLowerCase());
    expect((await s.escrow.read.registry()).toLowerCase()).to.equal(s.registry.address.toLowerCase());
    expect(await s.escrow.read.isTokenAllowed([s.token.address])).to.equal(true);
    expect(await s.escrow.read.nextLeaseId()).to.equal(1n);
  });

  it("setters update values, emit, and are admin-only", async () => {
    const s = await systemFixture();
    await s.escrow.write.setFeeBps([1000]);
    expect(await s.escrow.read.feeBps()).to.equal(1000);
    await expect(s.escrow.write.setFeeBps([1001])).to.be.rejectedWith(customError("FeeTooHigh", 1001, MAX_FEE_BPS));
    await expect(s.escrow.write.setAcceptWindow([MAX_WINDOW + DAY])).to.be.rejectedWith(customError("InvalidDuration", "acceptWindow", MAX_WINDOW + DAY));
    await expect(s.escrow.write.setDisputeTimeout([0n])).to.be.rejectedWith(customError("InvalidDuration", "disputeTimeout", 0n));
    await s.escrow.write.setTreasury([s.stranger.account.address]);
    expect((await s.escrow.read.treasury()).toLowerCase()).to.equal(s.stranger.account.address);
    await s.escrow.write.setAcceptWindow([3600n]);
    expect(await s.escrow.read.acceptWindow()).to.equal(3600n);
    await s.escrow.write.setDisputeTimeout([DAY]);
    expect(await s.escrow.read.disputeTimeout()).to.equal(DAY);
    await s.escrow.write.setDisputeGrace([0n]);
    expect(await s.escrow.read.disputeGrace()).to.equal(0n);
    const slash = { noShowSlashBps: 5_000, disputeBondBps: 2_000, maxSlashPerLease: 1n, minSlashableDeposit: 2n };
    await s.escrow.write.setSlashTerms([slash]);
    expect(await s.escrow.read.currentTerms()).to.deep.equal({ disputeGrace: 0, disputeTimeout: Number(DAY), ...slash });
    await expect(s.escrow.write.setSlashTerms([{ ...slash, noShowSlashBps: 5_001 }])).to.be.rejectedWith('InvalidBps("noShowSlashBps", 5001)');
    await expect(s.escrow.write.setSlashTerms([{ ...slash, disputeBondBps: 2_001 }])).to.be.rejectedWith('InvalidBps("disputeBondBps", 2001)');
    await expect(s.escrow.write.setTreasury([s.escrow.address])).to.be.rejectedWith(`InvalidTreasury("${getAddress(s.escrow.address)}")`);

    const asStranger = { account: s.stranger.account };
    // Settings need the default admin role (zero id); pausing and unpausing need the pauser role.
    for (const [call, role] of [
      [() => s.escrow.write.setFeeBps([1], asStranger), zeroHash],
      [() => s.escrow.write.setTreasury([s.stranger.account.address], asStranger), zeroHash],
      [() => s.escrow.write.setTokenAllowed([s.token.address, false], asStranger), zeroHash],
      [() => s.escrow.write.setAcceptWindow([1n], asStranger), zeroHash],
      [() => s.escrow.write.setDisputeTimeout([1n], asStranger), zeroHash],
      [() => s.escrow.write.setDisputeGrace([1n], asStranger), zeroHash],
      [() => s.escrow.write.setSlashTerms([SLASH_TERMS], asStranger), zeroHash],
      [() => s.escrow.write.pause(asStranger), PAUSER_ROLE],
      [() => s.escrow.write.unpause(asStranger), PAUSER_ROLE],
    ] as const) {
      await expect(call()).to.be.rejectedWith(customError("AccessControlUnauthorizedAccount", s.stranger.account.address, role));
    }
  });

  it("a fee change applies to new leases only", async () => {
    const s = await activeLeaseFixture();
    await s.escrow.write.setFeeBps([1000]);
    await atTimestamp(s.endsAt);
    await s.escrow.write.complete([1n]);
    expect(await s.escrow.read.feesAccrued()).to.equal((s.deposit * BigInt(FEE_BPS)) / 10_000n);
    expect((await s.escrow.read.getLease([1n])).feeBps).to.equal(FEE_BPS);
  });

  it("pausing stops new deposits (bookings and extensions) only: claims, cancels and withdrawals go on", async () => {
    const s = await activeLeaseFixture();
    await s.escrow.write.grantRole([PAUSER_ROLE, s.stranger.account.address]);
    await s.escrow.write.pause({ account: s.stranger.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter2.account })).to.be.rejectedWith(customError("EnforcedPause"));
    await time.increase(600);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    // Informational finding: an extension is a new deposit, so it stops with bookings.
    await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith(customError("EnforcedPause"));
    await s.escrow.write.cancel([1n], { account: s.renter.account });
    await s.escrow.write.sweepFees();
    await s.escrow.write.unpause({ account: s.stranger.account });
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter2.account });
  });

  it("admin transfer is two-step", async () => {
    const s = await offerFixture();
    await s.escrow.write.beginDefaultAdminTransfer([s.stranger.account.address]);
    expect((await s.escrow.read.defaultAdmin()).toLowerCase()).to.equal(s.deployer.account.address);
    await time.increase(1);
    await s.escrow.write.acceptDefaultAdminTransfer({ account: s.stranger.account });
    expect((await s.escrow.read.defaultAdmin()).toLowerCase()).to.equal(s.stranger.account.address);
  });

  it("the allowlist takes the payment token only: any other token is refused, not silently 'allowed'", async () => {
    const s = await systemFixture();
    const other = getAddress(s.stranger.account.address);
    await expect(s.escrow.write.setTokenAllowed([other, true])).to.be.rejectedWith(`TokenNotAllowed("${other}")`);
    await expect(s.escrow.write.setTokenAllowed([zeroAddress, true])).to.be.rejectedWith(`TokenNotAllowed("${zeroAddress}")`);
    expect(await s.escrow.read.isTokenAllowed([other])).to.equal(false);
    await s.escrow.write.setTokenAllowed([s.token.address, false]);
    expect(await s.escrow.read.isTokenAllowed([s.token.address])).to.equal(false);
  });
});
