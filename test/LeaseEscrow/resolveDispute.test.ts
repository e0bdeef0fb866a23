import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeFunctionData, getAddress, keccak256, stringToHex } from "viem";
import { customError } from "../helpers/errors";
import {
  ARBITER_ROLE,
  COOLDOWN,
  CloseReason,
  ENCRYPTION_KEY,
  HOUR,
  LeaseStatus,
  MIN_STAKE,
  PRICE,
  REQUEST,
  SLASH_TERMS,
  USDC,
  accrual,
  atTimestamp,
  disputedLeaseFixture,
  activeLeaseFixture,
  bondOf,
  deploySystem,
  eventsOf,
  feeOn,
  offerSpec,
} from "../helpers/fixtures";

describe("LeaseEscrow.resolveDispute", () => {
  it("pays the arbiter's split and slashes the provider's stake to the renter", async () => {
    const s = await disputedLeaseFixture();
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    const stakeBefore = (await s.registry.read.getProvider([s.provider.account.address])).stake;
    const renterAmount = 30n * USDC;
    const providerAmount = s.deposit - renterAmount;
    const hash = await s.escrow.write.resolveDispute([1n, renterAmount, providerAmount, 7n * USDC, true], {
      account: s.arbiter.account,
    });
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + renterAmount + 7n * USDC + bondOf(s.deposit));
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + providerAmount - feeOn(providerAmount));
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(stakeBefore - 7n * USDC);
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Closed);
    expect(lease.closeReason).to.equal(CloseReason.DisputeResolved);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    const events = await eventsOf(s, s.escrow.abi, hash);
    const resolved = events.find((e) => e.eventName === "DisputeResolved");
    expect(resolved?.args).to.deep.include({
      arbiter: getAddress(s.arbiter.account.address),
      renterAmount,
      providerAmount,
      slashAmount: 7n * USDC,
    });
    const closed = events.find((e) => e.eventName === "LeaseClosed");
    expect(closed?.args).to.deep.include({ renterRefund: renterAmount, feeTotal: feeOn(providerAmount) });
  });

  it("splits only what was not paid before the dispute", async () => {
    const s = await activeLeaseFixture();
    await atTimestamp(s.acceptedAt + HOUR);
    await s.escrow.write.claim([1n], { account: s.provider.account });
    await s.escrow.write.openDispute([1n, `0x${"00".repeat(32)}` as `0x${string}`, ""], { account: s.renter.account });
    const paid = accrual(s.deposit, 10n, HOUR);
    const remaining = s.deposit - paid;
    await expect(s.escrow.write.resolveDispute([1n, remaining, 1n, 0n, true], { account: s.arbiter.account })).to.be.rejectedWith(
      customError("SplitMismatch", remaining, 1n, remaining),
    );
    await s.escrow.write.resolveDispute([1n, remaining, 0n, 0n, true], { account: s.arbiter.account });
    expect((await s.escrow.read.getLease([1n])).paidGross).to.equal(paid);
  });

  it("needs the arbiter role and a disputed lease", async () => {
    const s = await disputedLeaseFixture();
    await expect(s.escrow.write.resolveDispute([1n, s.deposit, 0n, 0n, true], { account: s.renter.account })).to.be.rejectedWith(
      customError("AccessControlUnauthorizedAccount", s.renter.account.address, ARBITER_ROLE),
    );
    const a = await activeLeaseFixture();
    await expect(a.escrow.write.resolveDispute([1n, a.deposit, 0n, 0n, true], { account: a.arbiter.account })).to.be.rejectedWith(
      customError("WrongStatus", 1n, LeaseStatus.Active),
    );
  });
});

describe("LeaseEscrow.resolveDispute v2", () => {
  it("L-1: the slash is taken before the payout, so a provider called back by the token cannot withdraw it first", async () => {
    const s = await deploySystem("ReentrantToken");
    const token = await hre.viem.getContractAt("ReentrantToken", s.token.address);
    const provider = await hre.viem.deployContract("ReentrantProvider", [s.registry.address, s.escrow.address, s.token.address]);
    await s.fund(provider.address, 1_000n * USDC);
    await provider.write.register([MIN_STAKE, ENCRYPTION_KEY, offerSpec()]);
    await s.escrow.write.book([1n, 2, 10, PRICE, REQUEST], { account: s.renter.account });
    await provider.write.accept([1n]);
    await s.escrow.write.openDispute([1n, keccak256(stringToHex("no gpu")), ""], { account: s.renter.account });
    await provider.write.requestUnstake([MIN_STAKE]); // the whole stake, withdrawable once no lease is open
    await time.increase(COOLDOWN); // nobody finalized meanwhile; the arbiter may still rule
    // When paid, the provider tries to pull its stake out from inside the payout.
    await token.write.arm([provider.address, encodeFunctionData({ abi: provider.abi, functionName: "withdrawStake" }), false]);
    const renterBefore = await s.token.read.balanceOf([s.renter.account.address]);
    const slash = 20n * USDC;
    await s.escrow.write.resolveDispute([1n, 0n, 40n * USDC, slash, true], { account: s.arbiter.account });
    expect(await token.read.reentryAttempts()).to.equal(1n);
    // The renter got the slash; the provider could only withdraw what was left after it.
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(renterBefore + slash + bondOf(40n * USDC));
    const p = await s.registry.read.getProvider([provider.address]);
    expect(p.stake).to.equal(0n);
    expect(await token.read.lastReentrySucceeded()).to.equal(true);
  });

  it("caps the slash per lease, naming the lease, the amount and the cap", async () => {
    const s = await disputedLeaseFixture();
    const cap = SLASH_TERMS.maxSlashPerLease;
    await expect(s.escrow.write.resolveDispute([1n, s.deposit, 0n, cap + 1n, true], { account: s.arbiter.account })).to.be.rejectedWith(
      `SlashAboveCap(1, ${cap + 1n}, ${cap})`,
    );
    await s.escrow.write.resolveDispute([1n, s.deposit, 0n, cap, true], { account: s.arbiter.account });
  });

  it("the bond goes to the provider when the arbiter does not agree with the renter", async () => {
    const s = await disputedLeaseFixture();
    const bond = bondOf(s.deposit);
    expect(await s.escrow.read.disputeBond([1n])).to.equal(bond);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    const hash = await s.escrow.write.resolveDispute([1n, 0n, s.deposit, 0n, false], { account: s.arbiter.account });
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + s.deposit - feeOn(s.deposit) + bond);
    const settled = (await eventsOf(s, s.escrow.abi, hash)).find((e) => e.eventName === "DisputeBondSettled");
    expect(settled?.args).to.deep.include({ leaseId: 1n, to: getAddress(s.provider.account.address), amount: bond });
    expect(await s.escrow.read.disputeBond([1n])).to.equal(0n);
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(await s.escrow.read.feesAccrued());
  });
});
