import { getAddress, parseAbi, type Address } from "viem";
import { getPrisma } from "@gridlease/db/client";
import type { ContractAddresses } from "@/lib/app-config";
import { serverPublicClient } from "./chain";

const escrowReadAbi = parseAbi(["function paymentToken() view returns (address)", "function registry() view returns (address)"]);
const tokenCache = new Map<Address, Address>();

/**
 * The deployment the indexer mirrors (its cursor row), so the web app and the database always agree
 * on which contracts they describe — even when the chain was redeployed after `next build`.
 */
export async function loadDeployment(chainId: number): Promise<ContractAddresses | null> {
  const cursor = await getPrisma().indexerCursor.findUnique({ where: { chainId } });
  if (!cursor) return null;
  const leaseEscrow = getAddress(cursor.escrowAddress);
  let token = tokenCache.get(leaseEscrow);
  if (!token) {
    token = await serverPublicClient().readContract({ address: leaseEscrow, abi: escrowReadAbi, functionName: "paymentToken" });
    tokenCache.set(leaseEscrow, token);
  }
  return { providerRegistry: getAddress(cursor.registryAddress), leaseEscrow, token };
}
