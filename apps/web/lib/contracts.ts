import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import type { Abi } from "viem";

export { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi };

export { allContractErrors } from "@gridlease/sdk/tx-errors";

export const LEASE_STATUS = ["None", "Pending", "Active", "Disputed", "Closed"] as const;
export const CLOSE_REASON = ["None", "Completed", "CancelledByRenter", "NotAccepted", "DisputeResolved", "ProviderFault"] as const;

export const CLOSE_REASON_TEXT: Record<string, string> = {
  Completed: "Completed: the lease ran its full time.",
  CancelledByRenter: "Cancelled by the renter; the unused time was refunded.",
  NotAccepted: "The provider did not accept in time; fully refunded and the provider was slashed.",
  DisputeResolved: "Closed by an arbiter's decision.",
  ProviderFault: "The provider declined the booking; fully refunded.",
};
