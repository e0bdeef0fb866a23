import { agentEndpoint } from "@gridlease/db/agent-endpoints";
import { getPool } from "@gridlease/db/client";
import { heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { AGENT_ENDPOINT_TYPES } from "@gridlease/sdk/proof-of-gpu";
import type { Address } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as endpoint from "@/app/api/providers/[address]/endpoint/route";
import { HOST, ORIGIN, seedDeploymentAndProvider, startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "./route-harness";

/** POST /api/providers/{address}/endpoint (Proof of GPU, issue 21) through the real route module and a real PostgreSQL. */
const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"); // Hardhat #2, no provider row
let database: Awaited<ReturnType<typeof startMarketDatabase>>;

beforeAll(async () => {
  database = await startMarketDatabase(20, 0.5, "gridlease-endpoint-");
  const db = getPool();
  await seedDeploymentAndProvider(db, REGISTRY, provider.address);
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

async function signed(options: { url?: string; timestamp?: number; account?: PrivateKeyAccount; signedUrl?: string } = {}) {
  const account = options.account ?? provider;
  const url = options.url ?? "http://127.0.0.1:7001/providers/1";
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = await account.signTypedData({
    domain: heartbeatDomain({ chainId: CHAIN_ID, registry: REGISTRY }),
    types: AGENT_ENDPOINT_TYPES,
    primaryType: "AgentEndpoint",
    message: { provider: account.address, url: options.signedUrl ?? url, timestamp: BigInt(timestamp) },
  });
  return { url, timestamp, signature };
}

async function post(body: unknown, address: string = provider.address) {
  const request = new Request(`${ORIGIN}/api/providers/${address}/endpoint`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { host: HOST, "content-type": "application/json" },
  });
  const response = await endpoint.POST(request, { params: Promise.resolve({ address }) });
  return { status: response.status, body: await response.json() };
}

describe("POST /api/providers/{address}/endpoint", () => {
  it("stores the provider's signed URL; a replay or an older registration changes nothing, a newer one replaces it", async () => {
    const now = Math.floor(Date.now() / 1000);
    const first = await signed({ url: "http://127.0.0.1:7001/providers/a", timestamp: now - 20 });
    expect(await post(first)).toMatchObject({ status: 201, body: { accepted: true, recorded: true, url: first.url } });
    expect(await post(first)).toMatchObject({ status: 200, body: { recorded: false } });
    const newer = await signed({ url: "https://agent.example:8443/pog", timestamp: now - 5 });
    expect(await post(newer, provider.address.toLowerCase())).toMatchObject({ status: 201, body: { recorded: true } });
    // Still fresh, but signed before the stored one: a replay of the old URL must not move it back.
    expect(await post(await signed({ url: "http://127.0.0.1:7001/providers/old", timestamp: now - 10 }))).toMatchObject({
      status: 200,
      body: { recorded: false },
    });
    expect(await agentEndpoint(CHAIN_ID, provider.address)).toMatchObject({
      url: newer.url,
      signedAt: newer.timestamp,
      signature: newer.signature.toLowerCase(),
    });
  });

  it("refuses a URL that is not plain http(s), carries credentials, a query or is too long, with 400 naming url", async () => {
    for (const url of [
      "ftp://agent.example/pog",
      "not a url",
      "http://user:secret@agent.example/pog",
      "https://agent.example/pog?token=1",
      `https://agent.example/${"p".repeat(300)}`,
      "",
    ]) {
      expect(await post(await signed({ url })), url).toMatchObject({ status: 400, body: { error: { field: "url" } } });
    }
    expect(await post({ ...(await signed()), url: 42 })).toMatchObject({ status: 400, body: { error: { field: "url" } } });
  });

  it("refuses a loopback or private URL off the local chain (the checker would probe the operator's network)", async () => {
    const body = { ...(await signed({ url: "http://10.0.0.7:9000/pog" })), chainId: 8453 };
    expect(await post(body)).toMatchObject({ status: 400, body: { error: { code: "internal_url", field: "url" } } });
    // A public host on a chain with no indexed deployment gets as far as the deployment lookup.
    expect(await post({ ...(await signed({ url: "https://agent.example/pog" })), chainId: 8453 })).toMatchObject({
      status: 404,
      body: { error: { field: "chainId" } },
    });
  });

  it("refuses timestamps beyond the heartbeat clock allowance with 400 naming timestamp", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now + 90, now - 3600]) {
      expect(await post(await signed({ timestamp }))).toMatchObject({ status: 400, body: { error: { field: "timestamp" } } });
    }
    expect(await post({ ...(await signed()), timestamp: "now" })).toMatchObject({ status: 400, body: { error: { field: "timestamp" } } });
  });

  it("refuses another key's signature, or one over another URL, with 401 naming signature", async () => {
    const byStranger = await signed({ account: stranger });
    expect(await post(byStranger)).toMatchObject({ status: 401, body: { error: { code: "bad_signature", field: "signature" } } });
    const otherUrl = await signed({ url: "http://127.0.0.1:7001/providers/x", signedUrl: "http://127.0.0.1:7001/providers/y" });
    expect(await post(otherUrl)).toMatchObject({ status: 401, body: { error: { field: "signature" } } });
    expect(await post({ ...(await signed()), signature: "0x12" })).toMatchObject({ status: 400, body: { error: { field: "signature" } } });
  });

  it("refuses a malformed or unregistered provider address and unknown fields", async () => {
    expect(await post(await signed(), "0x1234")).toMatchObject({ status: 400, body: { error: { field: "address" } } });
    expect(await post(await signed({ account: stranger }), stranger.address)).toMatchObject({
      status: 404,
      body: { error: { code: "unknown_provider", field: "address" } },
    });
    expect(await post({ ...(await signed()), provider: provider.address })).toMatchObject({ status: 400, body: { error: { field: "provider" } } });
  });
});
