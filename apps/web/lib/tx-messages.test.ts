import { describe, expect, it } from "vitest";
import { txDone } from "./tx-messages";

describe("toast texts say what happened", () => {
  it("names the lease, the hours and the amount of an extension", () => {
    expect(txDone.extended(29n, 1, 2_600_000n)).toBe("Lease #29 extended by 1 h, 2.60 USDC");
  });
  it("names the full amount of a reclaim, slash included", () => {
    expect(txDone.reclaimed("28", 9_180_000n)).toBe("Lease #28 reclaimed, 9.18 USDC received");
  });
  it("names the refund of a cancel and of a withdrawn booking", () => {
    expect(txDone.cancelled(7, 8_173_611n)).toBe("Lease #7 cancelled, 8.17 USDC refunded");
    expect(txDone.withdrawn(8, 5_000_000n)).toBe("Booking #8 withdrawn, 5.00 USDC refunded");
  });
  it("never says just 'confirmed'", () => {
    const texts = [
      txDone.faucet(1_000_000_000n),
      txDone.booked(1n, 1n),
      txDone.disputed(1),
      txDone.accepted(1),
      txDone.declined(1),
      txDone.claimed(1, 10n),
      txDone.claimed(1, null),
      txDone.resolved(1, 1n, 2n),
      txDone.registered(1n),
      txDone.listed(3n),
      txDone.priceUpdated(3, 1n),
      txDone.offerStatus(3, "pauseOffer"),
      txDone.staked(1n),
      txDone.unstakeRequested(1n, 3600),
      txDone.stakeWithdrawn(1n),
    ];
    for (const text of texts) expect(text).not.toMatch(/confirmed/i);
    expect(txDone.faucet(1_000_000_000n)).toBe("Faucet sent 1,000.00 USDC to your wallet");
    expect(txDone.unstakeRequested(25_000_000n, 3600)).toBe("Unstake of 25.00 USDC requested; withdrawable in 1h 0m 0s");
  });
});
