import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import type { Abi } from "viem";

export { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi };

/** Custom errors of every contract a Gridlease call can reach, for decoding bubbled reverts. */
export const allContractErrors = [...providerRegistryAbi, ...leaseEscrowAbi, ...mockUsdcAbi].filter((item) => item.type === "error") as Abi;

export const LEASE_STATUS = ["None", "Pending", "Active", "Disputed", "Closed"] as const;
export const CLOSE_REASON = ["None", "Completed", "CancelledByRenter", "NotAccepted", "DisputeResolved", "ProviderFault"] as const;

export const CLOSE_REASON_TEXT: Record<string, string> = {
  Completed: "Completed: the lease ran its full time.",
  CancelledByRenter: "Cancelled by the renter; the unused time was refunded.",
  NotAccepted: "The provider did not accept in time; fully refunded and the provider was slashed.",
  DisputeResolved: "Closed by an arbiter's decision.",
  ProviderFault: "The provider declined the booking; fully refunded.",
};
