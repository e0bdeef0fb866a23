import { getAddress, parseAbi, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { LOCAL_WATCHER_ACCOUNT_INDEX } from "@gridlease/sdk/liveness";
import { HARDHAT_MNEMONIC, LOCAL_CHAIN_ID } from "@gridlease/sdk/protocol";
import { getPrisma } from "@gridlease/db/client";
import { deployments, type DeploymentRecord } from "@gridlease/sdk/deployments.generated";
import type { ContractAddresses } from "@/lib/app-config";
import { serverPublicClient } from "./chain";
import { readRuntimeConfig } from "./runtime-config";

const escrowReadAbi = parseAbi([
  "function paymentToken() view returns (address)",
  "function registry() view returns (address)",
  "function liveness() view returns (address)",
]);
const topUpsReadAbi = parseAbi(["function escrow() view returns (address)"]);
const tokenCache = new Map<Address, Address>();
const topUpsCache = new Map<Address, Address | null>();
const livenessCache = new Map<Address, Address | null>();

/** The escrow's own LeaseLiveness (created in its constructor); null for an escrow from before it existed. */
async function livenessOf(leaseEscrow: Address): Promise<Address | null> {
  if (livenessCache.has(leaseEscrow)) return livenessCache.get(leaseEscrow)!;
  const found = await serverPublicClient()
    .readContract({ address: leaseEscrow, abi: escrowReadAbi, functionName: "liveness" })
    .then(getAddress, () => null);
  livenessCache.set(leaseEscrow, found);
  return found;
}

/** WATCHER_ADDRESS, or on the local chain the development watcher's account (what `npm start` runs). */
function watcherAddress(chainId: number): Address | null {
  const configured = readRuntimeConfig().WATCHER_ADDRESS;
  if (configured) return getAddress(configured);
  return chainId === LOCAL_CHAIN_ID ? mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: LOCAL_WATCHER_ACCOUNT_INDEX }).address : null;
}

/**
 * The LeaseTopUps recorded for this chain, if it serves this escrow (a chain redeployed by other means
 * may have a recorded LeaseTopUps of another escrow, or none at that address): null hides auto top-up.
 */
async function topUpsFor(chainId: number, leaseEscrow: Address): Promise<Address | null> {
  if (topUpsCache.has(leaseEscrow)) return topUpsCache.get(leaseEscrow)!;
  const recorded = (deployments as Record<number, DeploymentRecord | undefined>)[chainId]?.topUps;
  let found: Address | null = null;
  if (recorded) {
    const served = await serverPublicClient()
      .readContract({ address: recorded.address, abi: topUpsReadAbi, functionName: "escrow" })
      .catch(() => null);
    if (served && getAddress(served) === leaseEscrow) found = getAddress(recorded.address);
  }
  topUpsCache.set(leaseEscrow, found);
  return found;
}

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
  const leaseLiveness = await livenessOf(leaseEscrow);
  return {
    providerRegistry: getAddress(cursor.registryAddress),
    leaseEscrow,
    token,
    leaseTopUps: await topUpsFor(chainId, leaseEscrow),
    leaseLiveness,
    watcher: leaseLiveness ? watcherAddress(chainId) : null,
  };
}
