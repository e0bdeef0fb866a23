import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import pg from "pg";
import { recoverTypedDataAddress, type Address, type Hex } from "viem";
import { DATA_CHANNEL } from "@gridlease/db/data-events";
import { recordHeartbeat } from "@gridlease/db/heartbeats";
import { HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { LOCAL_LIVENESS_CONFIG } from "@gridlease/sdk/liveness";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { freePort } from "@gridlease/sdk/local-chain";
import { challengeParams, GPU_CHECK_OUTCOMES, GPU_CHECK_TYPES } from "@gridlease/sdk/proof-of-gpu";
import { GpuChecker, type DueOffer, type GpuCheckRecord } from "../src/gpu-checks";
import { registerEndpoint } from "./helpers/agent-endpoints";
import { CHAIN_ID, startLivenessStack, type LivenessStack, type ProviderFixture } from "./helpers/liveness-stack";
import { startRogueAgent, type RogueAgent } from "./helpers/rogue-agent";

// The checker against a real anvil chain (a block a second), the real contracts, indexer and PostgreSQL.
// The honest agent is a real `gridlease-agent fleet` process, which registers its endpoint through the
// stack's API; the cheaters speak the same protocol with one flaw each (helpers/rogue-agent.ts).
// Every offer is 8× H100-SXM: with the local profile that is 600 products of n = 64.

const WATCHER_INDEX = 92; // not the default #90 (`npm start`'s watcher) nor the liveness tests' #91/#94
const [HONEST, PLANT, LATE, HANG, REPLAY, NO_ENDPOINT, CLOSED_PORT, REDIRECT, LEASED] = [150, 151, 152, 153, 154, 155, 156, 157, 158];
const RENTER = 250;
const MARGIN_MS = 2000;
const params = challengeParams("H100-SXM", 8, "local");

let stack: LivenessStack;
let db: pg.Pool;
let checker: GpuChecker;
let fixtures: Map<number, ProviderFixture>;
const rogues: RogueAgent[] = [];
const lines: string[] = [];

function newChecker(auditAll = false) {
  return new GpuChecker({
    db,
    chainId: CHAIN_ID,
    publicClient: stack.publicClient,
    account: localAccount(WATCHER_INDEX),
    registry: stack.deployment.registry.address,
    profile: "local",
    intervalSeconds: 3600,
    retrySeconds: 3600,
    perCycle: 20,
    marginMs: MARGIN_MS,
    log: (line) => lines.push(line),
    auditAll,
  });
}

async function beat(index: number) {
  const account = localAccount(index);
  const timestamp = Math.floor(Date.now() / 1000);
  const offerId = fixtures.get(index)!.offerId;
  const signature = await account.signTypedData({
    domain: heartbeatDomain({ chainId: CHAIN_ID, registry: stack.deployment.registry.address }),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: account.address, timestamp: BigInt(timestamp), offerIds: [offerId] },
  });
  await recordHeartbeat({ provider: account.address, timestamp, offerIds: [offerId.toString()], chainId: CHAIN_ID, signature }, Date.now(), db);
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The offer of provider `index` as the checker's due query returns it. */
async function dueOfferOf(index: number, using: GpuChecker): Promise<DueOffer> {
  const offerId = fixtures.get(index)!.offerId.toString();
  return until(`offer ${offerId} due`, async () => (await using.dueOffers(100)).find((o) => o.offerId === offerId));
}

/** Provider `index` heartbeats and answers at a cheating agent's URL. */
async function rogue(index: number, behaviour: Parameters<typeof startRogueAgent>[0]): Promise<RogueAgent> {
  const agent = await startRogueAgent(behaviour);
  rogues.push(agent);
  await registerEndpoint(stack.apiUrl, index, agent.url, { chainId: CHAIN_ID, registry: stack.deployment.registry.address });
  await beat(index);
  return agent;
}

async function reliabilityOf(index: number): Promise<number> {
  const { rows } = await db.query<{ reliability: number }>("select reliability from provider where chain_id = $1 and address = $2", [
    CHAIN_ID,
    localAccount(index).address.toLowerCase(),
  ]);
  return rows[0]!.reliability;
}

async function checkOf(index: number, using = checker): Promise<GpuCheckRecord> {
  const [record] = await using.check([await dueOfferOf(index, using)]);
  expect(record, lines.slice(-5).join("\n")).toBeDefined();
  return record!;
}

beforeAll(async () => {
  stack = await startLivenessStack({ liveness: LOCAL_LIVENESS_CONFIG });
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  db.on("error", () => undefined); // an idle connection cut when PostgreSQL stops after the suite
  const listed = await stack.addProviders([HONEST, PLANT, LATE, HANG, REPLAY, NO_ENDPOINT, CLOSED_PORT, REDIRECT, LEASED]);
  fixtures = new Map(listed.map((f) => [f.index, f]));
  const last = listed.at(-1)!.offerId.toString();
  await until("the offers indexed", async () => (await db.query("select 1 from offer where chain_id = $1 and offer_id = $2", [CHAIN_ID, last])).rowCount);
  checker = newChecker();
}, 240_000);

afterAll(async () => {
  await Promise.all(rogues.map((r) => r.close()));
  await db?.end();
  await stack?.stop();
});

describe("GPU checks (watcher) against agents", () => {
  it("an honest agent (a real fleet, which registers its endpoint itself) passes, and the result is announced to the web", async () => {
    await stack.startFleet(
      "honest",
      [fixtures.get(HONEST)!],
      { pollSeconds: 1, heartbeatSeconds: 1 },
      {
        proofOfGpu: { host: "127.0.0.1", port: 0, profile: "local", engine: "cpu" },
      },
    );
    const address = localAccount(HONEST).address.toLowerCase();
    const { rows } = await until("the fleet's endpoint registered", async () => {
      const result = await db.query<{ url: string }>("select url from agent_endpoint where chain_id = $1 and provider = $2", [CHAIN_ID, address]);
      return result.rowCount ? result : undefined;
    });
    expect(rows[0]!.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/providers/${address}$`));

    const listener = new pg.Client({ connectionString: stack.databaseUrl });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (m) => heard.push(m.payload ?? ""));
    await listener.query(`listen ${DATA_CHANNEL}`);
    try {
      const record = await checkOf(HONEST);
      expect(record.outcome, record.reason ?? "").toBe("Passed");
      expect(record.reason).toBeNull();
      expect(record.elapsedMs).toBeLessThanOrEqual(record.deadlineMs);
      expect(record).toMatchObject({ matrixSize: 64, products: params.products, audited: params.audited, deadlineMs: params.deadlineMs });
      console.log(`honest local-profile check: ${record.elapsedMs} ms of ${record.deadlineMs} ms deadline (${record.products} products of n = 64)`);
      await until("the data notification", async () => heard.some((p) => JSON.parse(p).source === "gpu-check"), 10_000);
    } finally {
      await listener.end();
    }
    // An offer with a GPU booked is not due: the GPUs are the renter's while the lease runs.
    await stack.addRenters([RENTER]);
    await stack.book(RENTER, fixtures.get(LEASED)!, 1);
    await beat(LEASED);
    const leased = fixtures.get(LEASED)!.offerId.toString();
    await until("the booking indexed", async () => (await db.query("select 1 from offer where offer_id = $1 and free_units < gpu_count", [leased])).rowCount);
    expect((await checker.dueOffers(100)).map((o) => o.offerId)).not.toContain(leased);
    // A provider that never heartbeated is not online, so its offer is not due.
    expect((await checker.dueOffers(100)).map((o) => o.offerId)).not.toContain(fixtures.get(NO_ENDPOINT)!.offerId.toString());
    // Checked now: not due again within the interval.
    expect((await checker.dueOffers(100)).map((o) => o.offerId)).not.toContain(fixtures.get(HONEST)!.offerId.toString());
  }, 180_000);

  it("an agent that plants one wrong element in one product fails the audit of every product, naming that product; the failure costs reliability", async () => {
    await rogue(PLANT, { plant: 417 });
    const before = await reliabilityOf(PLANT);
    const record = await checkOf(PLANT, newChecker(true));
    expect(record.outcome).toBe("Failed");
    expect(record.reason).toMatch(/^product 417: Freivalds check failed/);
    expect(record.audited).toBe(params.products);
    expect(record.commitment).toMatch(/^0x[0-9a-f]{64}$/);
    // No lease closed yet: the one failed check takes the whole 20 % "disputes, outages, GPU checks" share.
    expect(before - (await reliabilityOf(PLANT))).toBeCloseTo(20, 5);
  }, 120_000);

  it("an answer after the deadline is TimedOut with its measured time; one that never comes is cut off at deadline + margin", async () => {
    await rogue(LATE, { lateBy: 400 });
    const late = await checkOf(LATE);
    expect(late.outcome).toBe("TimedOut");
    expect(late.elapsedMs).toBeGreaterThan(late.deadlineMs);
    expect(late.reason).toMatch(new RegExp(`^answered in ${late.elapsedMs} ms, after the ${late.deadlineMs} ms deadline$`));

    await rogue(HANG, { hang: true });
    const started = Date.now();
    const hung = await checkOf(HANG);
    expect(hung.outcome).toBe("TimedOut");
    expect(hung.elapsedMs).toBeNull();
    expect(hung.reason).toBe(`no answer within ${params.deadlineMs + MARGIN_MS} ms (deadline ${params.deadlineMs} ms)`);
    expect(Date.now() - started).toBeLessThan(params.deadlineMs + MARGIN_MS + 15_000);
  }, 120_000);

  it("an answer replayed from an old seed fails (the commitment binds the seed), after the same agent passed its first check", async () => {
    const agent = await rogue(REPLAY, { replay: true });
    const offer = await dueOfferOf(REPLAY, checker);
    const [first] = await checker.check([offer]);
    expect(first!.outcome, first!.reason ?? "").toBe("Passed");
    // Checked again at once (the due query would wait the interval): a new checkId and a new block, so a new seed.
    const [second] = await checker.check([offer]);
    expect(agent.challenges).toHaveLength(2);
    expect(agent.challenges[1]!.seed).not.toBe(agent.challenges[0]!.seed);
    expect(second!.outcome).toBe("Failed");
    expect(second!.commitment).toBe(first!.commitment);
    expect(second!.reason).toMatch(/is not sha256\(seed ‖ checkId ‖ fingerprints\)/);
  }, 120_000);

  it("an online provider without a registered endpoint, or whose agent does not listen, is Unreachable with a sentence", async () => {
    await beat(NO_ENDPOINT);
    const none = await checkOf(NO_ENDPOINT);
    expect(none).toMatchObject({ outcome: "Unreachable", elapsedMs: null, commitment: null });
    expect(none.reason).toBe(`provider ${localAccount(NO_ENDPOINT).address.toLowerCase()} has registered no agent endpoint`);

    const closed = `http://127.0.0.1:${await freePort()}`;
    await registerEndpoint(stack.apiUrl, CLOSED_PORT, closed, { chainId: CHAIN_ID, registry: stack.deployment.registry.address });
    await beat(CLOSED_PORT);
    const refused = await checkOf(CLOSED_PORT);
    expect(refused.outcome).toBe("Unreachable");
    expect(refused.reason).toBe(`the agent at ${closed} is unreachable (ECONNREFUSED)`);

    // A registered URL that redirects (say, into the checker's own network) is not followed.
    const target: string[] = [];
    const inside = createServer((req, res) => {
      target.push(req.url ?? "");
      res.writeHead(500).end("internal secret");
    });
    const redirector = createServer(
      (_req, res) => void res.writeHead(307, { location: `http://127.0.0.1:${(inside.address() as { port: number }).port}/` }).end(),
    );
    await Promise.all([inside, redirector].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
      await registerEndpoint(stack.apiUrl, REDIRECT, url, { chainId: CHAIN_ID, registry: stack.deployment.registry.address });
      await beat(REDIRECT);
      const redirected = await checkOf(REDIRECT);
      expect(redirected.outcome).toBe("Unreachable");
      expect(redirected.reason).toBe(`the agent at ${url} is unreachable (unexpected redirect)`);
      expect(target).toEqual([]);
    } finally {
      for (const s of [inside, redirector]) s.close();
    }
  }, 120_000);

  it("every stored row's signature recovers to the watcher's address over the row's own columns", async () => {
    const { rows } = await db.query("select * from gpu_check where chain_id = $1 order by checked_at", [CHAIN_ID]);
    expect(new Set(rows.map((r) => r.outcome))).toEqual(new Set(["Passed", "Failed", "TimedOut", "Unreachable"]));
    const watcher = localAccount(WATCHER_INDEX).address;
    for (const row of rows) {
      expect(row.checker).toBe(watcher.toLowerCase());
      const signer = await recoverTypedDataAddress({
        domain: heartbeatDomain({ chainId: CHAIN_ID, registry: stack.deployment.registry.address }),
        types: GPU_CHECK_TYPES,
        primaryType: "GpuCheck",
        message: {
          checkId: row.check_id as Hex,
          provider: row.provider as Address,
          offerId: BigInt(row.offer_id),
          gpuModel: row.gpu_model,
          gpuCount: row.gpu_count,
          seed: row.seed as Hex,
          outcome: GPU_CHECK_OUTCOMES.indexOf(row.outcome),
          elapsedMs: row.elapsed_ms ?? 0,
          deadlineMs: row.deadline_ms,
          commitment: (row.commitment ?? `0x${"0".repeat(64)}`) as Hex,
        },
        signature: row.signature as Hex,
      });
      expect(signer).toBe(watcher);
    }
  });
});
