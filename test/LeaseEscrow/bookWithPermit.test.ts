import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { maxUint256 } from "viem";
import { customError } from "../helpers/errors";
import { LeaseStatus, PRICE, REQUEST, offerFixture } from "../helpers/fixtures";
import { signPermit } from "../helpers/permit";

describe("LeaseEscrow.bookWithPermit", () => {
  it("books in one transaction without a prior approval", async () => {
    const s = await offerFixture();
    await s.token.write.approve([s.escrow.address, 0n], { account: s.renter.account });
    const deadline = BigInt(await time.latest()) + 3600n;
    const { v, r, s: sig } = await signPermit(s, s.renter, s.escrow.address, 2n * 3n * PRICE, deadline);
    await s.escrow.write.bookWithPermit([1n, 2, 3, PRICE, REQUEST, deadline, v, r, sig], { account: s.renter.account });
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Pending);
    expect(lease.deposit).to.equal(2n * 3n * PRICE);
    expect(await s.token.read.allowance([s.renter.account.address, s.escrow.address])).to.equal(0n);
  });

  it("L-4: max price = 2^256 − 1 means 'any price', as with book: the permit covers all, no overflow", async () => {
    const s = await offerFixture();
    await s.token.write.approve([s.escrow.address, 0n], { account: s.renter.account });
    const deadline = BigInt(await time.latest()) + 3600n;
    const max = maxUint256;
    const { v, r, s: sig } = await signPermit(s, s.renter, s.escrow.address, max, deadline);
    await s.escrow.write.bookWithPermit([1n, 2, 3, max, REQUEST, deadline, v, r, sig], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).deposit).to.equal(2n * 3n * PRICE);
    // book accepts the same argument.
    await s.escrow.write.book([1n, 1, 1, max, REQUEST], { account: s.renter2.account });
  });

  it("still books when someone front-ran the permit (allowance already set)", async () => {
    const s = await offerFixture();
    await s.token.write.approve([s.escrow.address, 0n], { account: s.renter.account });
    const deadline = BigInt(await time.latest()) + 3600n;
    const { v, r, s: sig } = await signPermit(s, s.renter, s.escrow.address, 2n * 3n * PRICE, deadline);
    await s.token.write.permit([s.renter.account.address, s.escrow.address, 2n * 3n * PRICE, deadline, v, r, sig], {
      account: s.stranger.account,
    });
    await s.escrow.write.bookWithPermit([1n, 2, 3, PRICE, REQUEST, deadline, v, r, sig], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Pending);
  });

  it("fails on allowance when the permit is invalid and nothing was approved", async () => {
    const s = await offerFixture();
    await s.token.write.approve([s.escrow.address, 0n], { account: s.renter.account });
    const deadline = BigInt(await time.latest()) + 3600n;
    const { v, r, s: sig } = await signPermit(s, s.renter, s.escrow.address, 1n, deadline);
    await expect(s.escrow.write.bookWithPermit([1n, 2, 3, PRICE, REQUEST, deadline, v, r, sig], { account: s.renter.account })).to.be.rejectedWith(
      customError("ERC20InsufficientAllowance", s.escrow.address, 0n, 2n * 3n * PRICE),
    );
  });

  it("is blocked while paused", async () => {
    const s = await offerFixture();
    await s.escrow.write.pause();
    const deadline = BigInt(await time.latest()) + 3600n;
    const { v, r, s: sig } = await signPermit(s, s.renter, s.escrow.address, PRICE, deadline);
    await expect(s.escrow.write.bookWithPermit([1n, 1, 1, PRICE, REQUEST, deadline, v, r, sig], { account: s.renter.account })).to.be.rejectedWith(
      customError("EnforcedPause"),
    );
  });
});
