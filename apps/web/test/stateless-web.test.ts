import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http as viemHttp } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import pg from "pg";
import { notifyData } from "@gridlease/db/data-events";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";
import { deployGridlease } from "@gridlease/sdk/deploy";
import { freePort, startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { HARDHAT_MNEMONIC } from "@/lib/wallet/dev-accounts";
import { siweBody } from "./fixtures/siwe";

// Two (and, through node:cluster, N) real web processes on one PostgreSQL and one Hardhat node: the
// production dispatch with the real routes (test/fixtures/web-process.ts). Nothing a request depends
// on may live in one process.
const HOST = "127.0.0.1:3100";
const ORIGIN = `http://${HOST}`;
const CHAIN_ID = 31337;
const WRITE_BURST = 20;
const account = (index: number): HDAccount => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
const arbiter = account(1);

let node: HardhatNode;
let postgres: RunningPostgres;
let db: pg.Pool;
const children: ChildProcess[] = [];

interface WebProcess {
  port: number;
  pid: number;
}

function startWebProcess(extraEnv: Record<string, string> = {}): Promise<WebProcess & { child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/web-process.ts"], {
    cwd: `${import.meta.dirname}/..`,
    env: {
      ...process.env,
      DATABASE_URL: postgres.url,
      RPC_URL: node.url,
      CHAIN_ID: String(CHAIN_ID),
      PUBLIC_ORIGIN: ORIGIN,
      // Far longer than any test: only the NOTIFY can make a process see new data in time.
      SEARCH_VERSION_CHECK_MS: "600000",
      SEARCH_RESPONSE_CACHE_MS: "600000",
      API_WRITE_RATE_LIMIT_PER_SECOND: "0.001",
      API_WRITE_RATE_LIMIT_BURST: String(WRITE_BURST),
      SESSION_SECRET: "",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const single = /listening (\d+)/.exec(output);
      const primary = /\[web\] ready on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      const match = single ?? primary;
      if (match) resolve({ port: Number(match[1]), pid: child.pid!, child, output: () => output });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`web process exited (${code}) before listening:\n${output}`)));
  });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection, from `localAddress` (127.0.0.x: each is another client to the rate limiter). */
function request(port: number, method: string, path: string, options: { body?: string; cookie?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        localAddress: options.localAddress ?? "127.0.0.1",
        agent: false,
        headers: {
          host: HOST,
          origin: ORIGIN,
          connection: "close",
          ...(options.body ? { "content-type": "application/json" } : {}),
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const cookieOf = (answer: Answer, name: string) => (answer.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]!).find((c) => c.startsWith(`${name}=`))!;

/** A signed sign-in for `who` with a nonce (and its pre-login cookie) from the process on `port`. */
async function signInMaterial(port: number, who: HDAccount) {
  const answer = await request(port, "POST", "/api/auth/nonce");
  expect(answer.status).toBe(200);
  const { nonce } = JSON.parse(answer.body) as { nonce: string };
  return { body: await siweBody(who, ORIGIN, nonce, { chainId: CHAIN_ID }), cookie: cookieOf(answer, "gridlease_siwe") };
}

async function offersTotal(port: number): Promise<{ total: number; cache: string }> {
  const answer = await request(port, "GET", `/api/offers?chainId=${CHAIN_ID}&limit=1`);
  expect(answer.status, answer.body).toBe(200);
  return { total: (JSON.parse(answer.body) as { total: number }).total, cache: String(answer.headers["x-search-cache"]) };
}

let a: WebProcess;
let b: WebProcess;

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTempPostgres("gridlease-web-stateless-")]);
  await runMigrations(postgres.url);
  db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  const chain = { ...hardhat, rpcUrls: { default: { http: [node.url] } } };
  const deployment = await deployGridlease({
    walletClient: createWalletClient({ account: account(0), chain, transport: viemHttp(node.url) }),
    publicClient: createPublicClient({ chain, transport: viemHttp(node.url) }),
    arbiter: arbiter.address,
    treasury: account(2).address,
  });
  // The cursor row the indexer writes: the web app finds the contracts through it.
  await db.query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
     values ($1, $2, $3, $4, $5, $4, $5, 0, 1)`,
    [
      CHAIN_ID,
      deployment.registry.address.toLowerCase(),
      deployment.escrow.address.toLowerCase(),
      deployment.registry.deployBlock.toString(),
      deployment.deployBlockHash,
    ],
  );
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 40, seed: 0.3 }, db);
  [a, b] = await Promise.all([startWebProcess(), startWebProcess()]);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await db?.end();
  await Promise.all([node?.stop(), postgres?.stop()]);
});

describe("two web processes on one database", () => {
  it("spends a sign-in nonce issued by one process at most once across both, and shares the session and its sign-out", async () => {
    const { body, cookie } = await signInMaterial(a.port, arbiter);
    const first = await request(b.port, "POST", "/api/auth/verify", { body, cookie });
    expect(first.status, first.body).toBe(200);
    const replayA = await request(a.port, "POST", "/api/auth/verify", { body, cookie });
    const replayB = await request(b.port, "POST", "/api/auth/verify", { body, cookie });
    for (const replay of [replayA, replayB]) {
      expect(replay.status).toBe(401);
      expect(JSON.parse(replay.body)).toMatchObject({ error: { code: "siwe_nonce" } });
    }
    // Issued by B, spent on A: the same, the other way round.
    const other = await signInMaterial(b.port, arbiter);
    expect((await request(a.port, "POST", "/api/auth/verify", other)).status).toBe(200);
    expect((await request(b.port, "POST", "/api/auth/verify", other)).status).toBe(401);

    // The session cookie B issued is valid on A (one signing key), and a sign-out on A ends it on B.
    const session = cookieOf(first, "gridlease_admin");
    const onA = JSON.parse((await request(a.port, "GET", "/api/auth/session", { cookie: session })).body) as { session: { address: string } | null };
    expect(onA.session?.address).toBe(arbiter.address);
    expect((await request(a.port, "DELETE", "/api/auth/session", { cookie: session })).status).toBe(200);
    const onB = JSON.parse((await request(b.port, "GET", "/api/auth/session", { cookie: session })).body) as { session: unknown };
    expect(onB.session).toBeNull();
  });

  it("gives a client one rate budget across both processes", async () => {
    const statuses: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < WRITE_BURST + 8; i++) {
      const [name, web] = i % 2 === 0 ? (["a", a] as const) : (["b", b] as const);
      statuses[name]!.push((await request(web.port, "POST", "/api/auth/nonce", { localAddress: "127.0.0.9" })).status);
    }
    const all = [...statuses.a!, ...statuses.b!];
    // Two budgets would have let all of them through; one lets exactly the burst through.
    expect(all.filter((s) => s === 200)).toHaveLength(WRITE_BURST);
    expect(all.filter((s) => s === 429)).toHaveLength(8);
    expect(statuses.a!.slice(-4)).toEqual([429, 429, 429, 429]);
    expect(statuses.b!.slice(-4)).toEqual([429, 429, 429, 429]);
    // Another client (another address) still has its own budget.
    expect((await request(b.port, "POST", "/api/auth/nonce", { localAddress: "127.0.0.10" })).status).toBe(200);
  });

  it("drops both processes' search caches within 1 s of the indexer's NOTIFY for a new block, and not before", async () => {
    const before = await offersTotal(a.port);
    expect((await offersTotal(a.port)).cache).toBe("hit");
    expect((await offersTotal(b.port)).total).toBe(before.total);
    expect((await offersTotal(b.port)).cache).toBe("hit");

    // New rows without an announcement: both keep answering from their caches (no process polls).
    await insertSyntheticOffers({ chainId: CHAIN_ID, count: 5, seed: 0.5 }, db);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await offersTotal(a.port)).toEqual({ total: before.total, cache: "hit" });
    expect(await offersTotal(b.port)).toEqual({ total: before.total, cache: "hit" });

    // What the indexer does at the end of a batch (apps/indexer/src/store.ts saveCursor): move the
    // cursor and NOTIFY in the batch's transaction; listeners hear it at commit.
    const client = await db.connect();
    try {
      await client.query("begin");
      await client.query("update indexer_cursor set block_number = block_number + 1, data_version = data_version + 1 where chain_id = $1", [CHAIN_ID]);
      await notifyData(client, { chainId: CHAIN_ID, source: "indexer", block: "1", dataChanged: true });
      await client.query("commit");
    } finally {
      client.release();
    }
    const committedAt = Date.now();
    const seen: Record<string, number> = {};
    while (Object.keys(seen).length < 2 && Date.now() - committedAt < 1_000) {
      for (const [name, web] of [
        ["a", a],
        ["b", b],
      ] as const) {
        if (!seen[name] && (await offersTotal(web.port)).total === before.total + 5) seen[name] = Date.now() - committedAt;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`new data visible after the NOTIFY: process A ${seen.a} ms, process B ${seen.b} ms`);
    expect(seen.a).toBeLessThan(1_000);
    expect(seen.b).toBeLessThan(1_000);
  });
});

describe("WEB_PROCESSES", () => {
  it("serves one port from N processes (node:cluster) that share state", async () => {
    const port = await freePort();
    const cluster = await startWebProcess({ WEB_PROCESSES: "2", PORT: String(port) });
    expect(cluster.output()).toMatch(/\(2 processes, pids \d+ \d+\)/);
    const pids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const answer = await request(port, "GET", `/api/offers?chainId=${CHAIN_ID}&limit=1`, { localAddress: "127.0.0.11" });
      expect(answer.status).toBe(200);
      pids.add(String(answer.headers["x-web-pid"]));
    }
    expect(pids.size).toBe(2);
    expect(pids.has(String(cluster.pid))).toBe(false); // the primary only hands connections over
    // A nonce issued through the cluster is spent once, whichever process gets the next connections.
    const { body, cookie } = await signInMaterial(port, arbiter);
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push((await request(port, "POST", "/api/auth/verify", { body, cookie })).status);
    expect(verdicts).toEqual([200, 401, 401]);
    cluster.child.kill("SIGTERM");
    const code = await new Promise((resolve) => cluster.child.once("exit", resolve));
    expect(code).toBe(0);
  });
});
