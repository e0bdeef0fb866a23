import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import type { ContractAddresses } from "@/lib/app-config";
import { serverPublicClient } from "./chain";

/** The escrow's current fee in basis points, read from the chain (it can change by admin call). */
export async function readFeeBps(contracts: ContractAddresses): Promise<number> {
  return serverPublicClient().readContract({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "feeBps" });
}
