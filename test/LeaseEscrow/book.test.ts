import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress } from "viem";
import { customError } from "../helpers/errors";
import {
  ACCEPT_WINDOW,
  LeaseStatus,
  OfferStatus,
  PRICE,
  REQUEST,
  USDC,
  eventsOf,
  offerFixture,
  offerSpec,
  registerAndList,
  UNDER_COVERAGE,
} from "../helpers/fixtures";

const { gpuCount: OFFER_GPUS, minHours: MIN_HOURS, maxHours: MAX_HOURS } = offerSpec();

describe("LeaseEscrow.book", () => {
  it("pulls gpus × price × hours, reserves the units and records a pending lease", async () => {
    const s = await offerFixture();
    const before = await s.token.read.balanceOf([s.renter.account.address]);
    const hash = await s.escrow.write.book([1n, 3, 5, PRICE, REQUEST], { account: s.renter.account });
    const bookedAt = BigInt(await time.latest());
    const deposit = 3n * 5n * PRICE;
    expect(await s.token.read.balanceOf([s.renter.account.address])).to.equal(before - deposit);
    expect(await s.token.read.balanceOf([s.escrow.address])).to.equal(deposit);
    expect(await s.registry.read.freeUnits([1n])).to.equal(5);
    expect((await s.registry.read.getProvider([s.provider.account.address])).openLeases).to.equal(1);

    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Pending);
    expect(lease.renter).to.equal(getAddress(s.renter.account.address));
    expect(lease.provider).to.equal(getAddress(s.provider.account.address));
    expect(lease.deposit).to.equal(deposit);
    expect(lease.pricePerGpuHour).to.equal(PRICE);
    expect(lease.acceptDeadline).to.equal(bookedAt + ACCEPT_WINDOW);
    expect(lease.endsAt).to.equal(0n);
    expect(await s.escrow.read.nextLeaseId()).to.equal(2n);

    const [booked] = (await eventsOf(s, s.escrow.abi, hash)).filter((e) => e.eventName === "LeaseBooked");
    expect(booked.args).to.deep.include({
      leaseId: 1n,
      offerId: 1n,
      gpus: 3,
      durationHours: 5,
      pricePerGpuHour: PRICE,
      deposit,
      acceptDeadline: bookedAt + ACCEPT_WINDOW,
      encryptedRequest: REQUEST,
      token: getAddress(s.token.address),
    });
  });

  it("reverts when the price was raised before the booking landed", async () => {
    const s = await offerFixture();
    await s.registry.write.updatePrice([1n, PRICE + 1n], { account: s.provider.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("PriceAboveMax", PRICE + 1n, PRICE),
    );
  });

  it("books at the current price when it is below the renter's maximum", async () => {
    const s = await offerFixture();
    await s.escrow.write.book([1n, 1, 2, PRICE * 2n, REQUEST], { account: s.renter.account });
    expect((await s.escrow.read.getLease([1n])).deposit).to.equal(2n * PRICE);
  });

  it("never books the same units twice", async () => {
    const s = await offerFixture();
    await s.escrow.write.book([1n, 6, 1, PRICE, REQUEST], { account: s.renter.account });
    await expect(s.escrow.write.book([1n, 3, 1, PRICE, REQUEST], { account: s.renter2.account })).to.be.rejectedWith(
      customError("InsufficientUnits", 1n, 3, OFFER_GPUS - 6),
    );
    await s.escrow.write.book([1n, 2, 1, PRICE, REQUEST], { account: s.renter2.account });
    expect(await s.registry.read.freeUnits([1n])).to.equal(0);
  });

  it("rejects zero GPUs and hours outside the offer's range", async () => {
    const s = await offerFixture();
    await expect(s.escrow.write.book([1n, 0, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(customError("InvalidGpuCount", 0));
    await expect(s.escrow.write.book([1n, 1, 0, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("HoursOutOfRange", 0, MIN_HOURS, MAX_HOURS),
    );
    await expect(s.escrow.write.book([1n, 1, 721, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("HoursOutOfRange", 721, MIN_HOURS, MAX_HOURS),
    );
  });

  it("rejects offers that are paused, delisted or unknown", async () => {
    const s = await offerFixture();
    await s.registry.write.pauseOffer([1n], { account: s.provider.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("OfferNotActive", 1n, OfferStatus.Paused),
    );
    await s.registry.write.delistOffer([1n], { account: s.provider.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("OfferNotActive", 1n, OfferStatus.Delisted),
    );
    await expect(s.escrow.write.book([9n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("OfferNotActive", 9n, OfferStatus.None),
    );
  });

  it("rejects a provider whose stake net of pending unstake fell below the minimum", async () => {
    const s = await offerFixture();
    await s.registry.write.requestUnstake([1n], { account: s.provider.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("ProviderNotBookable", s.provider.account.address),
    );
  });

  it("rejects a deposit that does not fit 96 bits", async () => {
    const s = await offerFixture();
    const hugePrice = 2n ** 96n - 1n;
    await registerAndList(s, offerSpec({ pricePerGpuHour: hugePrice }), s.provider2);
    await expect(s.escrow.write.book([2n, 2, 1, hugePrice, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("DepositTooLarge", 2n * hugePrice),
    );
  });

  it("refuses to book when the payment token is off the allowlist", async () => {
    const s = await offerFixture();
    await s.escrow.write.setTokenAllowed([s.token.address, false]);
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("TokenNotAllowed", s.token.address),
    );
  });

  it("is blocked while paused and works again after unpause", async () => {
    const s = await offerFixture();
    await s.escrow.write.pause();
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(customError("EnforcedPause"));
    await s.escrow.write.unpause();
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
  });

  it("reverts when the renter's allowance is too small", async () => {
    const s = await offerFixture();
    await s.token.write.approve([s.escrow.address, PRICE - 1n], { account: s.renter.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("ERC20InsufficientAllowance", s.escrow.address, PRICE - 1n, PRICE),
    );
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
  });

  (UNDER_COVERAGE ? it.skip : it)("costs at most 150k gas", async () => {
    const s = await offerFixture();
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter2.account });
    const hash = await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
    const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
    expect(Number(receipt.gasUsed)).to.be.lessThanOrEqual(150_000);
    void USDC;
    void hre;
  });
});
