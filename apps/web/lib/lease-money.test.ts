import { describe, expect, it } from "vitest";
import { accruedGross, cancelRefund, disputePayouts, feeOn, maxPriceWithTolerance, renterReceived } from "./lease-money";

const RENTER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("renterReceived", () => {
  it("adds the provider stake slashed to the renter at close to the refund (the 4.18 vs 9.18 reclaim)", () => {
    expect(renterReceived("4180000", [{ recipient: RENTER.toLowerCase(), amount: "5000000" }], RENTER)).toBe(9_180_000n);
  });
  it("ignores slashes paid to someone else and treats a missing refund as zero", () => {
    expect(renterReceived("4180000", [{ recipient: OTHER, amount: "5000000" }], RENTER)).toBe(4_180_000n);
    expect(renterReceived(null, [{ recipient: RENTER, amount: 7n }], RENTER)).toBe(7n);
  });
});

describe("cancelRefund", () => {
  const lease = { deposit: "8250000", hours: 3, acceptedAt: 1_000, status: "Active" };
  it("returns the whole deposit of a pending booking", () => {
    expect(cancelRefund({ ...lease, acceptedAt: null, status: "Pending" }, 999_999)).toBe(8_250_000n);
  });
  it("deducts the accrual the contract computes: deposit × elapsed / duration, rounded down", () => {
    // 100 s of a 3 h, 8.25 USDC lease: 8_250_000 × 100 / 10_800 = 76_388.88… → 76_388.
    expect(accruedGross(lease, 1_100)).toBe(76_388n);
    expect(cancelRefund(lease, 1_100)).toBe(8_250_000n - 76_388n);
  });
  it("refunds nothing once the paid time is used up", () => {
    expect(cancelRefund(lease, 1_000 + 3 * 3600 + 50)).toBe(0n);
  });
});

describe("disputePayouts", () => {
  it("shows the provider its share after the fee on the cumulative gross, and the renter its share plus the slash", () => {
    // 2.5 % fee; 1 USDC already claimed, 3 USDC more awarded: fee(4) - fee(1) = 0.1 - 0.025.
    const out = disputePayouts({
      paidGross: 1_000_000n,
      renterAmount: 2_000_000n,
      providerAmount: 3_000_000n,
      slash: 500_000n,
      providerStake: 10_000_000n,
      feeBps: 250,
    });
    expect(out.fee).toBe(75_000n);
    expect(out.provider).toBe(2_925_000n);
    expect(out.renter).toBe(2_500_000n);
  });
  it("caps the slash at the provider's stake, as ProviderRegistry.slash does", () => {
    const out = disputePayouts({ paidGross: 0n, renterAmount: 1n, providerAmount: 0n, slash: 9_000_000n, providerStake: 2_000_000n, feeBps: 250 });
    expect(out.slashPaid).toBe(2_000_000n);
    expect(out.renter).toBe(2_000_001n);
  });
  it("rounds the fee down like _feeOn", () => {
    expect(feeOn(39n, 250)).toBe(0n);
    expect(feeOn(40n, 250)).toBe(1n);
  });
});

describe("maxPriceWithTolerance", () => {
  it("adds the tolerance in basis points to the shown price", () => {
    expect(maxPriceWithTolerance(2_750_000n, 0)).toBe(2_750_000n);
    expect(maxPriceWithTolerance(2_750_000n, 50)).toBe(2_763_750n);
    expect(maxPriceWithTolerance(2_750_000n, 300)).toBe(2_832_500n);
  });
  it("refuses tolerances outside 0–100 %", () => {
    expect(() => maxPriceWithTolerance(1n, -1)).toThrow(RangeError);
    expect(() => maxPriceWithTolerance(1n, 10_001)).toThrow(RangeError);
    expect(() => maxPriceWithTolerance(1n, 0.5)).toThrow(RangeError);
  });
});
