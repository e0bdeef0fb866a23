import type { Account, Hex } from "viem";
import { HEARTBEAT_MAX_OFFER_IDS, HEARTBEAT_TYPES, heartbeatDomain, type HeartbeatDeployment } from "@gridlease/sdk/heartbeat";

export interface SignedHeartbeat {
  provider: string;
  timestamp: number;
  offerIds: string[];
  chainId: number;
  signature: Hex;
}

/**
 * EIP-712 `Heartbeat(address provider, uint64 timestamp, uint256[] offerIds)` for this deployment
 * (domain Gridlease/1/chainId/verifyingContract = the registry; types and domain from the sdk, shared
 * with the web API that verifies them). The web API takes at most HEARTBEAT_MAX_OFFER_IDS offer ids, so a
 * provider with more active offers lists the first ones rather than losing its heartbeat.
 */
export async function signHeartbeat(
  account: Account,
  deployment: HeartbeatDeployment,
  offerIds: bigint[],
  timestamp = Math.floor(Date.now() / 1000),
): Promise<SignedHeartbeat> {
  if (!account.signTypedData) throw new Error("This account cannot sign typed data.");
  const listed = [...new Set(offerIds)].slice(0, HEARTBEAT_MAX_OFFER_IDS);
  const signature = await account.signTypedData({
    domain: heartbeatDomain(deployment),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: account.address, timestamp: BigInt(timestamp), offerIds: listed },
  });
  return { provider: account.address, timestamp, offerIds: listed.map(String), chainId: deployment.chainId, signature };
}

/** POSTs a heartbeat; resolves to a problem description, or undefined when the web app took it. */
export async function postHeartbeat(apiUrl: string, heartbeat: SignedHeartbeat): Promise<string | undefined> {
  const url = new URL("/api/heartbeats", apiUrl);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(heartbeat),
      signal: AbortSignal.timeout(5000),
    });
    if (response.ok) return undefined;
    const body = (await response.text()).slice(0, 300);
    return `${url} answered ${response.status}${body ? `: ${body}` : ""}`;
  } catch (error) {
    return `${url} is unreachable (${(error as Error).cause ? String((error as Error & { cause: Error }).cause.message ?? (error as Error).cause) : (error as Error).message})`;
  }
}
