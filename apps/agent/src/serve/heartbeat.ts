import type { Account, Hex } from "viem";

export const heartbeatTypes = {
  Heartbeat: [
    { name: "provider", type: "address" },
    { name: "timestamp", type: "uint64" },
    { name: "offerIds", type: "uint256[]" },
  ],
} as const;

export interface SignedHeartbeat {
  provider: string;
  timestamp: number;
  offerIds: string[];
  chainId: number;
  signature: Hex;
}

/** EIP-712 `Heartbeat(address provider, uint64 timestamp, uint256[] offerIds)`, domain Gridlease/1/chainId (docs/protocol.md). */
export async function signHeartbeat(account: Account, chainId: number, offerIds: bigint[], timestamp = Math.floor(Date.now() / 1000)): Promise<SignedHeartbeat> {
  if (!account.signTypedData) throw new Error("This account cannot sign typed data.");
  const signature = await account.signTypedData({
    domain: { name: "Gridlease", version: "1", chainId },
    types: heartbeatTypes,
    primaryType: "Heartbeat",
    message: { provider: account.address, timestamp: BigInt(timestamp), offerIds },
  });
  return { provider: account.address, timestamp, offerIds: offerIds.map(String), chainId, signature };
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
