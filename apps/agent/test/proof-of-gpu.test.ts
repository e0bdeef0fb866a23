import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { keccak256, toHex, verifyTypedData, type Address, type Hex } from "viem";
import { heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import {
  AGENT_ENDPOINT_TYPES,
  answerChallenge,
  challengeParams,
  deriveSeed,
  productBytes,
  type Challenge,
  type ChallengeAnswer,
} from "@gridlease/sdk/proof-of-gpu";
import { createLogger } from "../src/log";
import { OfferStatus, type ProviderOffer } from "../src/provider";
import { MAX_SEED_AGE_SECONDS, PogServer, seedChecker } from "../src/proof-of-gpu/server";
import { cpuEngine, scriptEngine } from "../src/proof-of-gpu/engine";
import { AgentProcess } from "./helpers/agent-process";
import { registerLocalProviders, sandboxProvisioner } from "./helpers/local-providers";
import { Market } from "./helpers/market";
import { prepareProviderHost } from "./helpers/provider-host";

// The agent's side of proof of GPU against a Hardhat node: a `fleet` process serving two providers'
// 2× RTX 4090 offers and a `serve` process on an 8× H100 host, both on the local profile and the CPU
// reference (no torch here), registering their URLs with a stand-in of the web API.

const SERVED = [112, 113];
const POG = { host: "127.0.0.1", port: 0, profile: "local", engine: "auto" };

let node: HardhatNode;
let market: Market;
let api: Server;
let apiUrl: string;
let fleet: AgentProcess | undefined;
let single: AgentProcess | undefined;
const offerOf = new Map<number, bigint>();
/** Endpoint registrations the API took, and how many it refused first (one per provider: the agent must retry). */
const registrations: { provider: string; body: { url: string; timestamp: number; signature: Hex } }[] = [];
const refusedOnce = new Set<string>();

const seedOf = (label: string) => keccak256(toHex(label));

/** A recent block of the node: challenges are seeded from it as a checker would (the agent checks the seed). */
let seedBase: { number: number; hash: Hex };

function challengeFor(provider: Address, offerId: bigint, overrides: Partial<Challenge> = {}): Challenge {
  const p = challengeParams("RTX4090", 2, "local");
  const checkId = seedOf(`check ${Math.random()}`);
  return {
    checkId,
    chainId: 31337,
    seedBlock: seedBase.number,
    seed: deriveSeed(seedBase.hash, checkId),
    provider,
    offerId: offerId.toString(),
    gpuModel: "RTX4090",
    gpuCount: 2,
    matrixSize: p.matrixSize,
    products: p.products,
    deadlineMs: p.deadlineMs,
    ...overrides,
  };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/pog/v1/challenges`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function registered(provider: string): Promise<{ url: string; timestamp: number; signature: Hex }> {
  await market.waitFor(`endpoint of ${provider}`, async () => registrations.some((r) => r.provider === provider.toLowerCase()), 60_000);
  return registrations.find((r) => r.provider === provider.toLowerCase())!.body;
}

beforeAll(async () => {
  node = await startHardhatNode();
  market = await Market.deploy(node.url);
  for (const [index, offerId] of await registerLocalProviders(market, SERVED, { metadataTag: "pog" })) offerOf.set(index, offerId);
  const latest = await market.publicClient.getBlock({ blockTag: "latest" });
  seedBase = { number: Number(latest.number), hash: latest.hash };
  api = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const provider = /^\/api\/providers\/(0x[0-9a-fA-F]{40})\/endpoint$/.exec(req.url ?? "")?.[1]?.toLowerCase();
      if (!provider) return void res.writeHead(204).end(); // heartbeats
      if (!refusedOnce.has(provider)) {
        refusedOnce.add(provider);
        return void res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "starting up" }));
      }
      registrations.push({ provider, body: JSON.parse(body) });
      res.writeHead(201, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-pog-fleet-"));
  await mkdir(path.join(dir, "sandboxes"));
  const configPath = path.join(dir, "fleet.json");
  await writeFile(
    configPath,
    JSON.stringify({
      rpcUrl: node.url,
      chainId: 31337,
      apiUrl,
      contracts: market.agentContracts(),
      stateDir: "fleet-state",
      ...sandboxProvisioner(dir),
      intervals: { pollSeconds: 0.5, heartbeatSeconds: 5, claimSeconds: 1800 },
      proofOfGpu: POG,
      providers: SERVED.map((mnemonicIndex) => ({ mnemonicIndex })),
    }),
  );
  fleet = new AgentProcess(configPath, process.env, "fleet");
  await fleet.waitForLine(/fleet: serving 2 provider\(s\)/, 90_000);
}, 180_000);

afterAll(async () => {
  await Promise.all([fleet?.stop(), single?.stop()]);
  await new Promise((r) => api?.close(r));
  await node?.stop();
});

describe("proof of GPU: the agent answers challenges", () => {
  it("the fleet logs which compute path it took and registers each provider's URL, signed by that provider, retrying after a refusal", async () => {
    expect(await fleet!.waitForLine(/proof of GPU: (no GPU path|answering challenges on the GPU)/)).toMatch(
      /no GPU path \(.+\); answering challenges with the CPU reference/,
    );
    const base = /proof of GPU: answering local-profile challenges on 127\.0\.0\.1:\d+ as (http:\/\/127\.0\.0\.1:\d+)\/providers\/<address>/.exec(
      await fleet!.waitForLine(/answering local-profile challenges/),
    )![1];
    for (const index of SERVED) {
      const provider = localAccount(index).address;
      const body = await registered(provider);
      expect(body.url).toBe(`${base}/providers/${provider.toLowerCase()}`);
      const valid = await verifyTypedData({
        address: provider,
        domain: heartbeatDomain({ chainId: 31337, registry: market.deployment.registry.address }),
        types: AGENT_ENDPOINT_TYPES,
        primaryType: "AgentEndpoint",
        message: { provider, url: body.url, timestamp: BigInt(body.timestamp) },
        signature: body.signature,
      });
      expect(valid).toBe(true);
      await fleet!.waitForLine(new RegExp(`provider ${provider}: proof of GPU: registering .* failed, retrying in 2 s: .* answered 503`));
    }
  }, 90_000);

  it("answers a challenge with the CPU reference's commitment and serves each audited product as n² int16 LE", async () => {
    const provider = localAccount(SERVED[0]!).address;
    const { url } = await registered(provider);
    const challenge = challengeFor(provider, offerOf.get(SERVED[0]!)!);
    const response = await post(url, challenge);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as ChallengeAnswer;
    const reference = answerChallenge(challenge);
    expect(answer).toMatchObject({ checkId: challenge.checkId, commitment: reference.commitment, fingerprints: reference.fingerprints });
    const j = challenge.products - 1;
    const product = await fetch(`${url}/pog/v1/challenges/${challenge.checkId}/products/${j}`);
    expect(product.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await product.arrayBuffer())).toEqual(productBytes(challenge.seed as Hex, j, challenge.matrixSize));

    const outOfRange = await fetch(`${url}/pog/v1/challenges/${challenge.checkId}/products/${challenge.products}`);
    expect([outOfRange.status, (await outOfRange.json()).field]).toEqual([400, "j"]);
    const unknown = await fetch(`${url}/pog/v1/challenges/${seedOf("never sent")}/products/0`);
    expect([unknown.status, (await unknown.json()).field]).toEqual([404, "checkId"]);
  }, 60_000);

  it("refuses, naming the field, what it does not serve: another model, count, size or offer, another provider, a forged, future or stale seed", async () => {
    const [a, b] = SERVED.map((i) => localAccount(i).address) as [Address, Address];
    const { url } = await registered(a);
    const offerA = offerOf.get(SERVED[0]!)!;
    const cases: [Partial<Challenge>, number, string][] = [
      [{ gpuModel: "H100-SXM" }, 422, "gpuModel"],
      [{ gpuCount: 1 }, 422, "gpuCount"],
      [{ matrixSize: 128 }, 422, "matrixSize"],
      [{ offerId: offerOf.get(SERVED[1]!)!.toString() }, 404, "offerId"],
      [{ provider: b }, 400, "provider"],
      [{ seed: "0x1234" as Hex }, 400, "seed"],
      [{ seed: seedOf("not derived from the block") }, 400, "seed"],
      [{ seedBlock: 10_000_000 }, 400, "seedBlock"],
    ];
    for (const [overrides, status, field] of cases) {
      const response = await post(url, challengeFor(a, offerA, overrides));
      const body = (await response.json()) as { error: string; field: string };
      expect([response.status, body.field], JSON.stringify(overrides)).toEqual([status, field]);
      expect(body.error.length).toBeGreaterThan(10);
    }
    const wrongModel = await (await post(url, challengeFor(a, offerA, { gpuModel: "H100-SXM" }))).json();
    expect(wrongModel.error).toBe(`offer ${offerA} lists RTX4090, not H100-SXM`);
    // A seed block older than MAX_SEED_AGE_SECONDS (the clock moved on instead of the chain going back).
    const stale = await seedChecker(market.publicClient, () => Date.now() + (MAX_SEED_AGE_SECONDS + 100) * 1000)(challengeFor(a, offerA));
    expect(stale?.field).toBe("seedBlock");
    expect(stale?.error).toMatch(
      new RegExp(`^seedBlock: block ${seedBase.number} is \\d+ s old; seed challenges from a block of the last ${MAX_SEED_AGE_SECONDS} s$`),
    );
  }, 60_000);

  it("`serve` answers at the root of its URL for its own offer and refuses a challenge for the wrong model", async () => {
    const host = await prepareProviderHost(node.url, { apiUrl });
    await host.writeConfig({ proofOfGpu: { ...POG, engine: "cpu" } });
    single = new AgentProcess(host.configPath, host.env);
    await single.waitForLine(/answering challenges with the CPU reference \(proofOfGpu\.engine is cpu\)/, 60_000);
    const provider = host.market.provider.address;
    const { url } = await registered(provider);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const p = challengeParams("H100-SXM", 8, "local");
    const challenge = challengeFor(provider, host.offerId, { gpuModel: "H100-SXM", gpuCount: 8, products: p.products, deadlineMs: p.deadlineMs });
    const answered = await post(url, challenge);
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as ChallengeAnswer).commitment).toBe(answerChallenge(challenge).commitment);
    const refused = await post(url, { ...challenge, gpuModel: "A100-80GB" });
    expect([refused.status, (await refused.json()).field]).toEqual([422, "gpuModel"]);
  }, 120_000);

  it("refuses (429) a second challenge for a provider while one runs, and one for the same offer within the minimum interval", async () => {
    const provider = localAccount(SERVED[0]!).address;
    const offerWith = (offerId: bigint): ProviderOffer => ({
      offerId,
      status: OfferStatus.Active,
      spec: { gpuModel: "RTX4090", gpuCount: 2 } as ProviderOffer["spec"],
      reservedUnits: 0,
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The CPU reference holds the event loop until it is done, so the overlap is made with an engine that waits.
    const slow = {
      ...cpuEngine,
      answer: async (c: Challenge) => {
        await gate;
        return cpuEngine.answer(c);
      },
    };
    const server = new PogServer(
      slow,
      "local",
      createLogger(() => undefined),
    );
    server.add("", { address: provider, chainId: 31337, offers: async () => [offerWith(7n), offerWith(9n)] });
    const send = (offerId: bigint) => server.handle("POST", "/pog/v1/challenges", JSON.stringify(challengeFor(provider, offerId)));
    const first = send(7n);
    const whileBusy = await send(9n);
    expect(whileBusy).toMatchObject({ status: 429, body: { error: `a challenge for provider ${provider} is running; one at a time` } });
    release();
    expect((await first).status).toBe(200);
    expect((await send(9n)).status).toBe(200);
    const again = await send(7n);
    expect(again).toMatchObject({ status: 429, body: { field: "offerId" } });
    expect((again as { body: { error: string } }).body.error).toMatch(/^offer 7 answered a challenge \d+ s ago; at most one per 30 s$/);
  });

  it("the GPU script's path (pog.py serve, on numpy: no GPU here) answers and serves products bit-identical to the CPU reference", async () => {
    const numpy = await new Promise<boolean>((resolve) => execFile("python3", ["-c", "import numpy"], (error) => resolve(!error)));
    if (!numpy) return void console.warn("skipped: python3 has no numpy, so pog.py cannot run here");
    const provider = localAccount(SERVED[0]!).address;
    const offer: ProviderOffer = {
      offerId: 8n,
      status: OfferStatus.Active,
      spec: { gpuModel: "RTX4090", gpuCount: 2 } as ProviderOffer["spec"],
      reservedUnits: 0,
    };
    const engine = scriptEngine(
      createLogger(() => undefined),
      { backend: "numpy" },
    );
    try {
      const server = new PogServer(
        engine,
        "local",
        createLogger(() => undefined),
      );
      server.add("", { address: provider, chainId: 31337, offers: async () => [offer] });
      const challenge = challengeFor(provider, 8n);
      const reply = await server.handle("POST", "/pog/v1/challenges", JSON.stringify(challenge));
      expect(reply.status).toBe(200);
      const reference = answerChallenge(challenge);
      expect((reply as { body: ChallengeAnswer }).body).toMatchObject({ commitment: reference.commitment, fingerprints: reference.fingerprints });
      const product = await server.handle("GET", `/pog/v1/challenges/${challenge.checkId}/products/5`, "");
      expect((product as { bytes: Uint8Array }).bytes).toEqual(productBytes(challenge.seed as Hex, 5, challenge.matrixSize));
    } finally {
      engine.close?.();
    }
  }, 60_000);
});
