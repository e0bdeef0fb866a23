import { BaseError, ContractFunctionRevertedError, InsufficientFundsError, UserRejectedRequestError, decodeErrorResult, formatUnits, type Abi } from "viem";
import { leaseEscrowAbi, leaseLivenessAbi, leaseTopUpsAbi, mockUsdcAbi, providerRegistryAbi } from "./contracts.generated";

/**
 * Reverts as sentences a person can act on — the one source of truth for the web app, the renter CLI
 * (apps/cli) and @gridlease/client, so a refusal reads the same wherever it happens.
 */

/** Custom errors of every contract a Gridlease call can reach, for decoding bubbled reverts. */
export const allContractErrors = [...providerRegistryAbi, ...leaseEscrowAbi, ...leaseTopUpsAbi, ...leaseLivenessAbi, ...mockUsdcAbi].filter(
  (item) => item.type === "error",
) as Abi;

type Args = readonly unknown[];
const usdc = (v: unknown) => `${Number(formatUnits(BigInt(v as bigint), 6)).toLocaleString("en-US")} USDC`;
const when = (v: unknown) => `${new Date(Number(v) * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
const OFFER_STATUS = ["none", "active", "paused", "delisted"];
const LEASE_STATUS = ["none", "pending", "active", "disputed", "closed", "suspended by an outage report"];
const POLICY_FIELDS: Record<string, string> = {
  minSecondsLeft: "time to keep left",
  maxTotalSpend: "spending cap",
  maxPricePerGpuHour: "price limit",
};
const policyField = (v: unknown) => POLICY_FIELDS[String(v)] ?? String(v);
/** Seconds as "1 h 5 min" (or "42 s" under a minute). */
const duration = (v: unknown) => {
  const s = Number(v);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h${m ? ` ${m} min` : ""}` : `${m} min`;
};

/** One sentence per custom error of the Gridlease contracts and the token they use. */
const SENTENCES: Record<string, (a: Args) => string> = {
  // ProviderRegistry
  AlreadyRegistered: () => "This wallet is already registered as a provider.",
  NotRegistered: () => "This wallet is not registered as a provider yet.",
  StakeBelowMinimum: (a) => `The stake of ${usdc(a[0])} is below the minimum of ${usdc(a[1])}.`,
  ZeroAmount: () => "The amount must be greater than zero.",
  EmptyEncryptionKey: () => "An encryption key is required.",
  UnstakeExceedsStake: (a) => `You asked to unstake ${usdc(a[0])} but only ${usdc(a[1])} is available.`,
  NoPendingUnstake: () => "There is no unstake request waiting to be withdrawn.",
  UnstakeCooldownActive: (a) => `The unstake cooldown runs until ${when(a[0])}.`,
  OpenLeasesBlockWithdrawal: (a) => `Withdrawing would drop the stake below the minimum while ${a[1]} lease(s) are open.`,
  InvalidOfferSpec: (a) => `The offer is invalid: ${a[0]}.`,
  PriceTooHigh: (a) => `The price ${usdc(a[0])} exceeds the allowed maximum of ${usdc(a[1])}.`,
  UnknownOffer: (a) => `Offer #${a[0]} does not exist.`,
  NotOfferOwner: (a) => `Offer #${a[0]} belongs to another provider.`,
  OfferNotActive: (a) => `Offer #${a[0]} is ${OFFER_STATUS[Number(a[1])] ?? "not active"}, so it cannot be booked or changed that way.`,
  OfferNotPaused: (a) => `Offer #${a[0]} is not paused.`,
  OfferDelistedAlready: (a) => `Offer #${a[0]} is already delisted.`,
  InsufficientUnits: (a) => `Offer #${a[0]} has only ${a[2]} free GPU(s); you asked for ${a[1]}.`,
  ProviderNotBookable: () => "This provider cannot take bookings right now (stake below minimum or exited).",
  // LeaseEscrow
  TokenNotAllowed: () => "The payment token is not allowed by the escrow.",
  InvalidGpuCount: (a) => `${a[0]} GPUs is not a valid amount for this offer.`,
  HoursOutOfRange: (a) => `${a[0]} hours is outside this offer's range of ${a[1]}–${a[2]} hours.`,
  PriceAboveMax: (a) => `The price rose to ${usdc(a[0])} per GPU-hour, above the ${usdc(a[1])} you accepted. Review the new price and book again.`,
  DepositTooLarge: () => "The deposit is larger than the escrow accepts.",
  UnknownLease: (a) => `Lease #${a[0]} does not exist.`,
  WrongStatus: (a) => `Lease #${a[0]} is ${LEASE_STATUS[Number(a[1])] ?? "in another state"}, so this action is not possible now.`,
  NotRenter: (a) => `Only the renter of lease #${a[0]} can do this.`,
  NotProvider: (a) => `Only the provider of lease #${a[0]} can do this.`,
  AcceptWindowClosed: (a) => `The accept window of lease #${a[0]} closed at ${when(a[1])}.`,
  AcceptWindowOpen: (a) => `The provider can still accept lease #${a[0]} until ${when(a[1])}; reclaim after that.`,
  LeaseEnded: (a) => `Lease #${a[0]} already ended at ${when(a[1])}.`,
  LeaseNotEnded: (a) => `Lease #${a[0]} runs until ${when(a[1])}.`,
  NothingToClaim: (a) => `Lease #${a[0]} has nothing new to claim yet.`,
  ZeroExtension: () => "Add at least one hour to extend.",
  DisputeWindowClosed: (a) => `The dispute window of lease #${a[0]} closed at ${when(a[1])}.`,
  DisputeTimeoutNotReached: (a) => `The dispute can be finalized only after ${when(a[1])}.`,
  SplitMismatch: (a) => `The split must add up to ${usdc(a[2])}; it adds up to ${usdc(BigInt(a[0] as bigint) + BigInt(a[1] as bigint))}.`,
  NothingToWithdraw: () => "There is nothing to withdraw.",
  // Contracts v2
  SlashAboveCap: (a) => `A slash of ${usdc(a[1])} on lease #${a[0]} is above its per-lease cap of ${usdc(a[2])}.`,
  OfferNotBookable: (a) => `Offer #${a[0]} is no longer on sale, so the lease cannot be extended; book another offer instead.`,
  InvalidTreasury: () => "The escrow itself cannot be the treasury.",
  InvalidBps: (a) => `${String(a[0])} of ${a[1]} basis points is above the allowed maximum.`,
  InvalidDuration: (a) => `${String(a[0])} of ${a[1]} seconds is outside the allowed range.`,
  FeeTooHigh: (a) => `A fee of ${a[0]} basis points is above the maximum of ${a[1]}.`,
  NotEscrow: () => "Only the lease escrow may do this.",
  UnitsUnderflow: (a) => `Offer #${a[0]} has only ${a[2]} reserved GPU(s); ${a[1]} cannot be released.`,
  NoOpenLeases: () => "This provider has no open leases.",
  CooldownTooLong: (a) => `An unstake cooldown of ${a[0]} seconds is above the maximum of ${a[1]}.`,
  ZeroAddress: () => "An address is required (the zero address is not allowed).",
  UnsupportedToken: () => "The token moved a different amount than asked (fee-on-transfer tokens are not supported).",
  NothingToSweep: () => "There are no fees to sweep.",
  EnforcedPause: () => "New bookings and extensions are paused by the protocol operators right now; closing, claiming and withdrawing still work.",
  AccessControlUnauthorizedAccount: (a) => `Your account lacks the required role (${String(a[1]).slice(0, 10)}…).`,
  AccessControlBadConfirmation: () => "A role can only be renounced by the account holding it.",
  AccessControlEnforcedDefaultAdminDelay: (a) => `The admin handover can complete only after ${when(a[0])}.`,
  AccessControlEnforcedDefaultAdminRules: () => "The admin role changes only through the two-step admin handover.",
  AccessControlInvalidDefaultAdmin: () => "Only the pending admin can accept the admin role.",
  ExpectedPause: () => "This needs the protocol to be paused first.",
  ReentrancyGuardReentrantCall: () => "A call tried to re-enter the contract and was refused.",
  SafeCastOverflowedUintDowncast: () => "A number is too large for the contract to store.",
  // LeaseTopUps (auto top-up; NotRenter and the escrow's errors read as above)
  InvalidPolicy: (a) => `The auto top-up policy needs a non-zero ${policyField(a[0])}.`,
  LeaseNotOpen: (a) => `Lease #${a[0]} is ${LEASE_STATUS[Number(a[1])] ?? "not open"}; auto top-up can only be set on a pending or running lease.`,
  TopUpNotEnabled: (a) => `Auto top-up is not on for lease #${a[0]} (never set, or revoked by the renter).`,
  LeaseNotActive: (a) => `Lease #${a[0]} is ${LEASE_STATUS[Number(a[1])] ?? "not running"}; only a running lease can be topped up.`,
  LeaseAlreadyEnded: (a) => `Lease #${a[0]} already ended at ${when(a[1])}; it can no longer be topped up.`,
  TopUpNotNeeded: (a) => `Lease #${a[0]} still has ${duration(a[1])} left; a top-up is due below ${duration(a[2])}.`,
  PriceAboveLimit: (a) => `The offer of lease #${a[0]} now costs ${usdc(a[1])} per GPU-hour, above the renter's auto top-up limit of ${usdc(a[2])}.`,
  SpendCapReached: (a) => `The auto top-up cap of lease #${a[0]} is reached: ${usdc(a[2])} is left, one more hour costs ${usdc(a[1])}.`,
  OfferMaxHoursReached: (a) => `Lease #${a[0]} already runs for the offer's maximum of ${a[1]} hours.`,
  AllowanceTooLow: (a) => `The renter allowed auto top-up to spend ${usdc(a[1])} but this top-up needs ${usdc(a[2])}; approve more first.`,
  // LeaseLiveness (outage reports; the escrow's WrongStatus and LeaseEnded read as above)
  NotLiveness: () => "Only the escrow's liveness contract may suspend, resume or close a lease for an outage.",
  NotReporter: (a) => `Only the renter of lease #${a[0]}, or a watcher the renter approved, can report its provider offline.`,
  OutageAlreadyReported: (a) => `An outage of lease #${a[0]} is already reported and waiting for the provider's answer.`,
  NoOpenOutage: (a) => `No outage report of lease #${a[0]} is waiting to be refuted or settled.`,
  OutageTooOld: (a) => `The provider's last sighting of ${when(a[0])} is too far back; an outage can be reported from ${when(a[1])} at the earliest.`,
  CutoffInFuture: (a) => `The provider is still within its grace until ${when(a[0])}; report the outage after that.`,
  ChallengeWindowOpen: (a) => `The provider of lease #${a[0]} can still answer the outage report until ${when(a[1])}; settle it after that.`,
  ChallengeWindowClosed: (a) => `The window to answer the outage report of lease #${a[0]} closed at ${when(a[1])}; it can only be settled now.`,
  StaleProof: (a) => `The liveness proof is over block ${a[0]}, not after the report's block ${a[1]}; sign over a newer block.`,
  UnknownBlockHash: (a) => `Block ${a[0]} is not among the chain's last 256 blocks (or not mined yet); sign over the latest block.`,
  InvalidLivenessProof: (a) => `The liveness proof for lease #${a[0]} is not signed by its provider ${String(a[1])}.`,
  InvalidLivenessConfig: (a) => `The liveness setting ${String(a[0])} of ${a[1]} is outside the allowed range.`,
  NoBondToWithdraw: () => "There is no outage-report bond waiting to be withdrawn.",
  ZeroRecipient: () => "An address is required (the zero address is not allowed).",
  // OpenZeppelin EIP712's short strings: only its constructor can raise them
  InvalidShortString: () => "A signing-domain name is not a valid short string.",
  StringTooLong: (a) => `The signing-domain name "${String(a[0])}" is too long.`,
  // ERC-20 / permit (OpenZeppelin)
  ERC20InsufficientBalance: (a) => `Your token balance of ${usdc(a[1])} is less than the ${usdc(a[2])} needed.`,
  ERC20InsufficientAllowance: (a) => `The escrow may spend ${usdc(a[1])} of your tokens but needs ${usdc(a[2])}; approve more first.`,
  ERC2612ExpiredSignature: () => "The permit signature expired; sign again.",
  ERC2612InvalidSigner: () => "The permit signature does not match your account.",
  SafeERC20FailedOperation: () => "The token transfer failed.",
};

/** Whether `error` is the contract's custom error `name` (e.g. the booking's price guard, PriceAboveMax). */
export function isContractError(error: unknown, name: string): boolean {
  return error instanceof BaseError && !!error.walk((e) => e instanceof ContractFunctionRevertedError && e.data?.errorName === name);
}

/** Turns anything a wallet or contract call throws into one sentence a person can act on. */
export function describeTxError(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      let name = reverted.data?.errorName;
      let args: Args = reverted.data?.args ?? [];
      if (!name && reverted.raw) {
        // A token error bubbled up through the escrow: decode it with every known contract's errors.
        try {
          const decoded = decodeErrorResult({ abi: allContractErrors, data: reverted.raw });
          name = decoded.errorName;
          args = (decoded.args ?? []) as Args;
        } catch {
          // Unknown selector: fall through to the generic sentence.
        }
      }
      if (name && SENTENCES[name]) return SENTENCES[name](args);
      if (name) return `The contract refused the transaction (${name}).`;
      if (reverted.reason) return `The contract refused the transaction: ${reverted.reason}.`;
      return "The contract refused the transaction without giving a reason.";
    }
    if (error.walk((e) => e instanceof UserRejectedRequestError)) return "You rejected the request in your wallet.";
    if (error.walk((e) => e instanceof InsufficientFundsError)) return "Your account does not have enough ETH to pay for gas.";
    return error.shortMessage;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
