import { formatDuration, formatToken } from "./format";

/**
 * What a finished wallet action did, in the words of the person who did it. Toasts and the status
 * line show these instead of "confirmed": the renter should not have to open the card to learn the
 * amount that moved.
 */
/** A lease or offer id as the callers hold it: bigint from the chain, string from the server, number in tests. */
type Id = bigint | string | number;

export const txDone = {
  faucet: (amount: bigint) => `Faucet sent ${formatToken(amount)} to your wallet`,
  booked: (leaseId: Id, deposit: bigint) => `Lease #${leaseId} booked, ${formatToken(deposit)} held in escrow; waiting for the provider`,
  extended: (leaseId: Id, hours: number, cost: bigint) => `Lease #${leaseId} extended by ${hours} h, ${formatToken(cost)}`,
  cancelled: (leaseId: Id, refund: bigint) => `Lease #${leaseId} cancelled, ${formatToken(refund)} refunded`,
  withdrawn: (leaseId: Id, refund: bigint) => `Booking #${leaseId} withdrawn, ${formatToken(refund)} refunded`,
  reclaimed: (leaseId: Id, received: bigint) => `Lease #${leaseId} reclaimed, ${formatToken(received)} received`,
  disputed: (leaseId: Id) => `Dispute opened on lease #${leaseId}; billing is frozen`,
  accepted: (leaseId: Id) => `Lease #${leaseId} accepted, access details sent to the renter`,
  declined: (leaseId: Id) => `Lease #${leaseId} declined, the deposit went back to the renter`,
  claimed: (leaseId: Id, net: bigint | null) => (net === null ? `Earnings of lease #${leaseId} claimed` : `Claimed ${formatToken(net)} from lease #${leaseId}`),
  /** `renter` includes the slash paid to them, `provider` is net of the fee (lib/lease-money.ts disputePayouts). */
  resolved: (leaseId: Id, renter: bigint, provider: bigint) =>
    `Dispute on lease #${leaseId} resolved: ${formatToken(renter)} to the renter, ${formatToken(provider)} to the provider after the fee`,
  registered: (stake: bigint) => `Registered as a provider with ${formatToken(stake)} staked`,
  listed: (offerId: bigint | null) => `Offer ${offerId === null ? "" : `#${offerId} `}listed; it shows in search once indexed`,
  priceUpdated: (offerId: Id, price: bigint) => `Offer #${offerId} now costs ${formatToken(price)}/GPU·h`,
  offerStatus: (offerId: Id, change: "pauseOffer" | "resumeOffer" | "delistOffer") =>
    `Offer #${offerId} ${{ pauseOffer: "paused", resumeOffer: "resumed", delistOffer: "delisted" }[change]}`,
  staked: (amount: bigint) => `Added ${formatToken(amount)} to your stake`,
  unstakeRequested: (amount: bigint, cooldownSeconds: number | null) =>
    `Unstake of ${formatToken(amount)} requested${cooldownSeconds ? `; withdrawable in ${formatDuration(cooldownSeconds)}` : ""}`,
  stakeWithdrawn: (amount: bigint) => `Withdrew ${formatToken(amount)} of stake`,
};
