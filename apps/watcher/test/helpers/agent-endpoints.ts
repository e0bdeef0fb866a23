// POST /api/providers/<address>/endpoint for the test stacks: the signed AgentEndpoint is verified against
// the provider (EIP-712, the heartbeats' domain) and upserted into agent_endpoint, as the web API does.
import type pg from "pg";
import { recoverTypedDataAddress, type Address, type Hex } from "viem";
import { heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { AGENT_ENDPOINT_TYPES } from "@gridlease/sdk/proof-of-gpu";

export const ENDPOINT_PATH = /^\/api\/providers\/(0x[0-9a-fA-F]{40})\/endpoint$/;

export async function recordAgentEndpoint(
  db: pg.Pool,
  deployment: { chainId: number; registry: Address },
  provider: string,
  body: { url?: unknown; timestamp?: unknown; signature?: unknown },
): Promise<{ status: number; body: unknown }> {
  if (typeof body.url !== "string" || !/^https?:\/\//.test(body.url)) return { status: 400, body: { error: "url: an http(s) URL", field: "url" } };
  if (typeof body.timestamp !== "number") return { status: 400, body: { error: "timestamp: seconds", field: "timestamp" } };
  if (typeof body.signature !== "string") return { status: 400, body: { error: "signature: 0x hex", field: "signature" } };
  const signer = await recoverTypedDataAddress({
    domain: heartbeatDomain(deployment),
    types: AGENT_ENDPOINT_TYPES,
    primaryType: "AgentEndpoint",
    message: { provider: provider as Address, url: body.url, timestamp: BigInt(body.timestamp) },
    signature: body.signature as Hex,
  });
  if (signer.toLowerCase() !== provider.toLowerCase()) return { status: 401, body: { error: "signature: not the provider's", field: "signature" } };
  await db.query(
    `insert into agent_endpoint (chain_id, provider, url, signed_at, signature) values ($1, $2, $3, $4, $5)
     on conflict (chain_id, provider) do update set url = excluded.url, signed_at = excluded.signed_at, signature = excluded.signature, updated_at = now()`,
    [deployment.chainId, provider.toLowerCase(), body.url, body.timestamp, body.signature],
  );
  return { status: 201, body: {} };
}

/** Registers `url` for Hardhat-mnemonic provider `index` through the stack's API (what the agent does at start). */
export async function registerEndpoint(apiUrl: string, index: number, url: string, deployment: { chainId: number; registry: Address }): Promise<void> {
  const account = localAccount(index);
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await account.signTypedData({
    domain: heartbeatDomain(deployment),
    types: AGENT_ENDPOINT_TYPES,
    primaryType: "AgentEndpoint",
    message: { provider: account.address, url, timestamp: BigInt(timestamp) },
  });
  const response = await fetch(`${apiUrl}/api/providers/${account.address}/endpoint`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, timestamp, signature }),
  });
  if (!response.ok) throw new Error(`registering ${url} for #${index}: ${response.status} ${await response.text()}`);
}
