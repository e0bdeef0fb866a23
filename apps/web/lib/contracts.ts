import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import type { CloseReasonName, LeaseStatusName } from "@gridlease/sdk/protocol";

export { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi };

export { allContractErrors } from "@gridlease/sdk/tx-errors";

/** One sentence per close reason; `satisfies` the contracts' enum so a new reason fails the type check here until it has one. */
export const CLOSE_REASON_TEXT: Record<string, string> = {
  Completed: "Completed: the lease ran its full time.",
  CancelledByRenter: "Cancelled by the renter; the unused time was refunded.",
  NotAccepted: "The provider did not accept in time; fully refunded and the provider was slashed.",
  DisputeResolved: "Closed by an arbiter's decision.",
  ProviderFault: "The provider declined the booking; fully refunded.",
  ProviderOffline: "The provider went offline and did not answer the outage report; refunded from the cutoff and the provider was slashed.",
} satisfies Record<Exclude<CloseReasonName, "None">, string>;

/** Status badges where the contracts' name is not what a person reads (an outage report suspends a lease). */
export const LEASE_STATUS_TEXT: Partial<Record<Exclude<LeaseStatusName, "None">, string>> & Record<string, string> = {
  Suspended: "Outage reported",
};
