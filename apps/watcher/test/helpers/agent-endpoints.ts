// POST /api/providers/<address>/endpoint for the test stacks, with the web API's own code
// (@gridlease/db/agent-endpoints: signature, clock, URL and provider checks, then the upsert).
import type pg from "pg";
import type { Address } from "viem";
import { AgentEndpointRejected, agentEndpointBodySchema, recordAgentEndpoint } from "@gridlease/db/agent-endpoints";
import { heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { AGENT_ENDPOINT_TYPES } from "@gridlease/sdk/proof-of-gpu";

export const ENDPOINT_PATH = /^\/api\/providers\/(0x[0-9a-fA-F]{40})\/endpoint$/;

export async function answerEndpointRequest(db: pg.Pool, chainId: number, provider: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const parsed = agentEndpointBodySchema.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: parsed.error.issues[0]!.message, field: String(parsed.error.issues[0]!.path[0] ?? "body") } };
  try {
    const result = await recordAgentEndpoint(provider, parsed.data, chainId, Date.now(), db);
    return { status: result.recorded ? 201 : 200, body: result };
  } catch (error) {
    if (error instanceof AgentEndpointRejected) return { status: error.status, body: { error: error.message, field: error.field } };
    throw error;
  }
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
