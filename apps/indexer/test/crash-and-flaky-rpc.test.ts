import { spawn } from "node:child_process";
import { createServer, request as httpRequest, type Server } from "node:http";
import path from "node:path";
import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexer } from "../src/indexer";
import { prng, type Simulator } from "../../../scripts/market/simulate";
import { cleanIndexDigest, indexerOptions, indexerProcessEnv, seedSmallMarket } from "./fixtures";
import {
  CHAIN_ID,
  databaseDigest,
  deployContracts,
  freePort,
  REPO_ROOT,
  startHardhatNode,
  startTestPostgres,
  type HardhatNode,
  type TestDatabase,
} from "./harness";

let node: HardhatNode;
let postgres: TestDatabase;
let deployment: GridleaseDeployment;
let sim: Simulator;
let clean: Record<string, string>;

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTestPostgres()]);
  ({ deployment, sim } = await deployContracts(node.url));
  await seedSmallMarket(sim, 23);
  await seedSmallMarket(sim, 29, 20); // a second round with other accounts: more blocks to crash in
  clean = await cleanIndexDigest(await postgres.create("clean"), node.url, deployment);
});

afterAll(async () => {
  await Promise.all([node?.stop(), postgres?.stop()]);
});

async function cursorBlock(url: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ block: string }>("select block_number::text as block from indexer_cursor where chain_id = $1", [CHAIN_ID]);
    return BigInt(result.rows[0]?.block ?? "0");
  } finally {
    await client.end();
  }
}

/** The real indexer entry point as a child process, with tiny getLogs ranges so backfill takes many batches. */
function spawnIndexer(databaseUrl: string) {
  return spawn(path.join(REPO_ROOT, "node_modules/.bin/tsx"), ["apps/indexer/src/main.ts"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "ignore"],
    detached: true, // its own process group: tsx runs node as a child, and kill -9 must take both
    env: indexerProcessEnv(databaseUrl, node.url, deployment, 2),
  });
}

describe("crash recovery", () => {
  it("kill -9 at random points during backfill, then a restart, ends equal to a clean run", async () => {
    const url = await postgres.create("crash");
    const head = await sim.publicClient.getBlockNumber();
    const random = prng(Date.now() % 100_000);
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawnIndexer(url);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const start = await cursorBlock(url);
      const target = start + 1n + BigInt(Math.floor(random() * Number(head - start) * 0.5));
      for (;;) {
        if ((await cursorBlock(url).catch(() => 0n)) >= target || child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 10 + random() * 40));
      }
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      kills++;
      expect(await cursorBlock(url)).toBeLessThan(head); // it really died mid-backfill
    }
    const child = spawnIndexer(url);
    const deadline = Date.now() + 120_000;
    while ((await cursorBlock(url)) < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, "SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(kills).toBe(3);
    expect(await databaseDigest(url)).toEqual(clean);
  });
});

/** A JSON-RPC proxy that breaks `failureRate` of calls: HTTP 500s, hangs past the client timeout, empty bodies, null results. */
async function startFlakyProxy(
  target: string,
  failureRate: number,
  seed: number,
): Promise<{ url: string; failures: () => number; calls: () => number; close(): Promise<void> }> {
  const random = prng(seed);
  let failures = 0;
  let calls = 0;
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      calls++;
      const body = Buffer.concat(chunks);
      if (random() < failureRate) {
        failures++;
        const mode = Math.floor(random() * 4);
        if (mode === 0) return res.writeHead(500).end("upstream exploded");
        if (mode === 1) return void setTimeout(() => res.destroy(), 1_000); // a timeout for the client
        if (mode === 2) return res.writeHead(200, { "content-type": "application/json" }).end("");
        const id = (JSON.parse(body.toString()) as { id: number }).id;
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result: null }));
      }
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: "POST", path: "/", headers: { "content-type": "application/json" } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, { "content-type": "application/json" });
          up.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    failures: () => failures,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("unreliable RPC", () => {
  it("an RPC proxy failing 10% of calls (errors, timeouts, empty answers) still ends equal to a clean run", async () => {
    const proxy = await startFlakyProxy(node.url, 0.1, 4242);
    const url = await postgres.create("flaky");
    try {
      const indexer = await startIndexer(indexerOptions(url, proxy.url, deployment, { rpcTimeoutMs: 300, maxRangeBlocks: 4 }));
      await indexer.ready;
      await indexer.stop();
      expect(proxy.failures()).toBeGreaterThan(5);
      expect(proxy.failures() / proxy.calls()).toBeGreaterThan(0.05);
      expect(await databaseDigest(url)).toEqual(clean);
    } finally {
      await proxy.close();
    }
  });
});
