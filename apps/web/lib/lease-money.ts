/**
 * Amounts a lease moves, computed the way LeaseEscrow.sol computes them, so what a card promises
 * before a click is what the chain pays after it. Pure: shared by server loaders, cards and tests.
 */

const BPS = 10_000n;

/** A ProviderSlashed event: `amount` of the provider's stake paid to `recipient`. */
export interface SlashPayment {
  recipient: string;
  amount: bigint | string;
}

/**
 * Everything the renter got when a lease closed: the escrow refund (LeaseClosed.renterRefund) plus
 * any provider stake slashed to the renter in the same transaction (a missed accept window, an
 * arbiter's slash). The refund alone understates a reclaim by the slash.
 */
export function renterReceived(renterRefund: bigint | string | null, slashes: readonly SlashPayment[], renter: string): bigint {
  const refund = renterRefund === null ? 0n : BigInt(renterRefund);
  const toRenter = slashes.filter((s) => s.recipient.toLowerCase() === renter.toLowerCase());
  return toRenter.reduce((sum, s) => sum + BigInt(s.amount), refund);
}

export interface RunningLease {
  deposit: string | bigint;
  hours: number;
  acceptedAt: number | null;
}

/** The contract's accrual (`_accruedGross`): deposit × elapsed / paid duration, capped at the end. */
export function accruedGross(lease: RunningLease, nowSeconds: number): bigint {
  if (lease.acceptedAt === null) return 0n;
  const duration = lease.hours * 3600;
  const elapsed = Math.min(Math.max(0, nowSeconds - lease.acceptedAt), duration);
  return (BigInt(lease.deposit) * BigInt(elapsed)) / BigInt(duration);
}

/**
 * What `cancel` refunds if it is mined at `atSeconds`: the whole deposit while the lease is pending,
 * else the deposit minus the accrual. The refund only shrinks with time, so the preview is an upper
 * bound; `atSeconds` should already include the few seconds a transaction takes to be mined.
 */
export function cancelRefund(lease: RunningLease & { status: string }, atSeconds: number): bigint {
  if (lease.status === "Pending") return BigInt(lease.deposit);
  return BigInt(lease.deposit) - accruedGross(lease, atSeconds);
}

/** The protocol fee on a gross amount (`_feeOn`), rounded down like the contract. */
export function feeOn(gross: bigint, feeBps: number): bigint {
  return (gross * BigInt(feeBps)) / BPS;
}

/**
 * What each side of a dispute receives from `resolveDispute(renterAmount, providerAmount, slash)`:
 * the renter gets its share plus the slash (capped by the provider's stake); the provider gets its
 * share minus the fee, taken on the cumulative gross as `_close` does.
 */
export function disputePayouts(input: {
  paidGross: bigint;
  renterAmount: bigint;
  providerAmount: bigint;
  slash: bigint;
  providerStake: bigint | null;
  feeBps: number;
  /** Contracts v2: the renter's dispute bond, to the renter when the arbiter agrees (`renterRight`), else to the provider. */
  bond?: bigint;
  renterRight?: boolean;
}) {
  const slashPaid = input.providerStake === null || input.slash <= input.providerStake ? input.slash : input.providerStake;
  const fee = feeOn(input.paidGross + input.providerAmount, input.feeBps) - feeOn(input.paidGross, input.feeBps);
  const bond = input.bond ?? 0n;
  const renterRight = input.renterRight ?? true;
  return {
    renter: input.renterAmount + slashPaid + (renterRight ? bond : 0n),
    provider: input.providerAmount - fee + (renterRight ? 0n : bond),
    fee,
    slashPaid,
    bond,
  };
}

/**
 * The price guard for a booking: the most the renter accepts per GPU·hour, the shown price plus a
 * tolerance in basis points (like a swap's slippage), so a small provider change does not make the
 * booking revert while a large one still does.
 */
export function maxPriceWithTolerance(shownPrice: bigint, toleranceBps: number): bigint {
  if (!Number.isInteger(toleranceBps) || toleranceBps < 0 || toleranceBps > 10_000) throw new RangeError("tolerance must be 0–100 %");
  return shownPrice + (shownPrice * BigInt(toleranceBps)) / BPS;
}
