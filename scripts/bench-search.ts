/**
 * pnpm bench:search — 100,000 offers in PostgreSQL, a mix of realistic filter/sort queries through the
 * real HTTP API (apps/web/http/main.ts, the production server of `npm start`) with autocannon at 50 connections: p50/p95/p99, requests/s, errors.
 *
 * Builds apps/web into apps/web/.next-bench/search first. The API's per-client rate limit is raised
 * for the run (API_RATE_LIMIT_PER_SECOND): the load generator is one client doing the work of many.
 * Three runs: saturation (autocannon; each connection asks again as soon as answered) over 21 repeated
 * query shapes, an open-loop run at a fixed, evenly paced rate (BENCH_RATE) over at most the same number
 * of connections, saturation again with every query new (the response cache never hits), and saturation
 * with the repeated shapes plus a share of never-seen queries. Env: BENCH_OFFERS (default 100000; BENCH_OFFERS=1000000 for the 1M-offer market), BENCH_SECONDS (default 20 per run),
 * BENCH_CONNECTIONS (default 50), BENCH_RATE (default 500), BENCH_RUNS (default saturation,paced,unique,mixed,update; update: one price change until visible, incremental and after a rollback; the web server's RSS is printed too), BENCH_NEW_SHARE (default 0.1), BENCH_SKIP_BUILD=1,
 * BENCH_SERVER_NODE_ARGS, BENCH_SERVER_LOG (a file for the server's output).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { startTempPostgres } from "../packages/db/src/embedded";
import { runMigrations } from "../packages/db/src/migrate";
import { insertSyntheticOffers } from "../packages/db/src/synthetic";
import { closeDatabaseClients, getPool } from "../packages/db/src/client";
import { inTransaction } from "../packages/db/src/transaction";
import { notifyData } from "../packages/db/src/data-events";
import { loadListSnapshot } from "../packages/db/src/offer-list";
import { orderFor, snapshotBytes } from "../packages/db/src/offer-page";
import { SEARCH_SORTS } from "../packages/db/src/search-query";
import { freePort } from "../packages/sdk/src/local-chain";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon");

const OFFERS = Number(process.env.BENCH_OFFERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const WEB_DIR = path.resolve(__dirname, "../apps/web");
const DIST_DIR = ".next-bench/search";

/** What people search for: a model or two, a region, a budget, sizes, availability, each sort, later pages. */
const QUERIES = [
  "/api/offers",
  "/api/offers?sort=price",
  "/api/offers?gpu=H100-SXM&sort=price",
  "/api/offers?gpu=H100-SXM,H100-PCIE&minGpus=8&sort=price",
  "/api/offers?gpu=A100-SXM-80G&region=us-east&sort=price",
  "/api/offers?gpu=RTX4090&maxPricePerGpuHour=0.4&availableNow=true",
  "/api/offers?gpu=RTX4090,RTX3090&sort=price_per_tflop",
  "/api/offers?sort=price_per_tflop&minVramGb=48",
  "/api/offers?minVramGb=80&sort=vram",
  "/api/offers?region=eu-west,eu-central&sort=price",
  "/api/offers?region=ap-northeast&gpu=L40S&sort=price",
  "/api/offers?minReliability=90&sort=reliability",
  "/api/offers?availableNow=true&minGpus=4&sort=price",
  "/api/offers?sort=newest",
  "/api/offers?minRamGb=512&minCpuCores=64&sort=price",
  "/api/offers?gpu=L40S&maxPricePerGpuHour=1.2&sort=price&limit=50",
  "/api/offers?gpu=A6000&region=us-west&availableNow=true",
  "/api/offers?minBandwidthMbps=10000&sort=price",
  "/api/offers?gpu=H200&sort=price&limit=10",
  "/api/offers?gpu=T4&maxPricePerGpuHour=0.01", // nothing matches: exercises "why nothing"
  "/api/stats",
];

/**
 * The cache's worst case: every request a query nobody asked before (a shape above with a budget to
 * six decimals), so each one runs the SQL. Real traffic sits between this and the repeated shapes.
 */
const BUDGETLESS_SHAPES = QUERIES.filter((q) => q.startsWith("/api/offers") && !q.includes("maxPricePerGpuHour"));
let uniqueCounter = 0;
function uniqueQuery(): string {
  const shape = BUDGETLESS_SHAPES[uniqueCounter++ % BUDGETLESS_SHAPES.length]!;
  const budget = (2 + Math.random() * 38).toFixed(6);
  return `${shape}${shape.includes("?") ? "&" : "?"}maxPricePerGpuHour=${budget}`;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(
  base: string,
  label: string,
  requests: { method: "GET"; path?: string; setupRequest?: (r: { path: string }) => { path: string } }[],
): Promise<void> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests,
    setupClient: (client: { on(event: "response", cb: (status: number, bytes: number, ms: number) => void): void }) =>
      client.on("response", (status, _bytes, ms) => {
        latencies.push(ms);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
  });
  latencies.sort((a, b) => a - b);
  const non2xx = [...statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0);
  console.log(`\nsearch API: ${OFFERS} offers, ${label}, ${SECONDS} s`);
  console.log(
    `  requests: ${latencies.length} (${Math.round(result.requests.average)} req/s average, ${(result.throughput.average / result.requests.average / 1024).toFixed(1)} KiB per answer)`,
  );
  console.log(
    `  latency: p50 ${percentile(latencies, 50).toFixed(1)} ms · p95 ${percentile(latencies, 95).toFixed(1)} ms · p99 ${percentile(latencies, 99).toFixed(1)} ms · max ${latencies.at(-1)?.toFixed(1)} ms`,
  );
  console.log(
    `  errors: ${result.errors} transport, ${result.timeouts} timeouts, ${non2xx} non-2xx (${[...statuses].map(([s, c]) => `${s}×${c}`).join(", ")})`,
  );
}

/** Open loop: one request every 1000/RATE ms, whatever the answers do; latency from send to last byte. */
async function measurePaced(base: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const total = RATE * SECONDS;
  while (sent < total) {
    const due = started + (sent * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const query = QUERIES[sent % QUERIES.length]!;
    sent++;
    const request: Promise<void> = new Promise<void>((resolve) => {
      const begin = performance.now();
      http
        .get(base + query, { agent }, (response) => {
          response.on("data", () => undefined);
          response.on("end", () => {
            latencies.push(performance.now() - begin);
            statuses.set(response.statusCode!, (statuses.get(response.statusCode!) ?? 0) + 1);
            resolve();
          });
        })
        .on("error", () => {
          errors++;
          resolve();
        });
    }).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const non2xx = [...statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0);
  console.log(`\nsearch API: ${OFFERS} offers, ${QUERIES.length} query shapes, ${RATE} req/s paced over ≤ ${CONNECTIONS} connections, ${SECONDS} s`);
  console.log(`  requests: ${latencies.length} (${Math.round(latencies.length / seconds)} req/s average)`);
  console.log(
    `  latency: p50 ${percentile(latencies, 50).toFixed(1)} ms · p95 ${percentile(latencies, 95).toFixed(1)} ms · p99 ${percentile(latencies, 99).toFixed(1)} ms · max ${latencies.at(-1)?.toFixed(1)} ms`,
  );
  console.log(`  errors: ${errors} transport, ${non2xx} non-2xx (${[...statuses].map(([s, c]) => `${s}×${c}`).join(", ")})`);
}

/** Resident memory of a process and its children (WEB_PROCESSES > 1: the cluster's workers), MB (Linux /proc). */
function serverRssMb(pid: number): string {
  const rssKb = (id: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, "utf8"))?.[1] ?? NaN);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  const total = [pid, ...children].reduce((sum, id) => sum + rssKb(id), 0);
  return `${(total / 1024).toFixed(0)}${children.length > 0 ? ` (${children.length + 1} processes)` : ""}`;
}

/**
 * A request on a connection of its own: with WEB_PROCESSES > 1 the cluster hands each new connection
 * to the next worker, so warming up over fresh connections warms every process (a keep-alive
 * connection would warm one, and the others would load their snapshot during the measurement).
 */
function getOnNewConnection(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume();
        response.on("end", resolve);
      })
      .on("error", reject);
  });
}

/**
 * One price update as the indexer writes it (the row's updated_block, the cursor's block and data
 * version in one transaction): time until /api/offers shows it. First incrementally (the snapshot's
 * block is still canonical), then after a rollback, which only a full reload answers exactly.
 */
async function measureUpdate(base: string): Promise<void> {
  const db = getPool();
  const { rows } = await db.query<{ id: string }>("select max(offer_id)::text as id from offer where chain_id = 31337 and status = 'Active'");
  const id = rows[0]!.id;
  const visible = async (label: string, price: string, write: () => Promise<void>) => {
    const started = performance.now();
    await write();
    for (;;) {
      const body = (await (await fetch(`${base}/api/offers?sort=newest&limit=1&online=any`)).json()) as {
        offers: { offerId: string; pricePerGpuHour: string }[];
      };
      if (body.offers[0]?.offerId === id && body.offers[0].pricePerGpuHour === price) break;
      if (performance.now() - started > 60_000) throw new Error(`${label}: not visible after 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(`  ${label}: visible in search after ${(performance.now() - started).toFixed(0)} ms`);
  };
  // Written and announced as the indexer does (NOTIFY in the batch's transaction): the web process drops its
  // cached data version on the notification; its version poll is then only a 2 s fallback.
  console.log(`\nsearch API: ${OFFERS} offers, one price update until visible (announced by NOTIFY, as the indexer does)`);
  await visible("incremental update (indexer batch at block 2)", "1234567", async () => {
    await inTransaction(db, async (c) => {
      await c.query("update offer set price_per_gpu_hour = 1234567, updated_block = 2 where chain_id = 31337 and offer_id = $1", [id]);
      await c.query("insert into indexed_block (chain_id, number, hash, parent_hash) values (31337, 2, '0xb2', '0xb1')");
      await c.query("update indexer_cursor set block_number = 2, block_hash = '0xb2', data_version = data_version + 1 where chain_id = 31337");
      await notifyData(c, { chainId: 31337, source: "indexer", block: "2", dataChanged: true });
    });
  });
  await visible("full reload (rollback to block 1)", "7654321", async () => {
    await inTransaction(db, async (c) => {
      await c.query("update offer set price_per_gpu_hour = 7654321, updated_block = 1 where chain_id = 31337 and offer_id = $1", [id]);
      await c.query("delete from indexed_block where chain_id = 31337 and number = 2");
      await c.query("update indexer_cursor set block_number = 1, block_hash = '0xb1', data_version = data_version + 1 where chain_id = 31337");
      await notifyData(c, { chainId: 31337, source: "indexer", block: "1", dataChanged: true });
    });
  });
  await closeDatabaseClients();
}

/**
 * The search snapshot the web server holds, loaded here too to size it: a full load's time, then its
 * bytes per offer with every sort order built (offer-page.ts snapshotBytes: typed arrays, orders,
 * provider columns). The web server's RSS is printed separately (it includes Next and the heap).
 */
async function reportSnapshot(): Promise<void> {
  const started = performance.now();
  const snapshot = await loadListSnapshot(getPool(), 31337);
  const loadMs = performance.now() - started;
  for (const sort of SEARCH_SORTS) orderFor(snapshot, sort);
  const bytes = snapshotBytes(snapshot);
  console.log(
    `search snapshot: full load ${loadMs.toFixed(0)} ms, ${(bytes / 1024 / 1024).toFixed(1)} MB with every sort order = ${(bytes / snapshot.size).toFixed(0)} bytes per offer`,
  );
}

async function main(): Promise<void> {
  // A build of its own (NEXT_DIST_DIR, see apps/web/next.config.ts): never measures a stale build and
  // never swaps the build under a running dev stack. BENCH_SKIP_BUILD=1 reuses the previous one.
  if (process.env.BENCH_SKIP_BUILD !== "1" || !existsSync(path.join(WEB_DIR, DIST_DIR, "BUILD_ID"))) {
    console.log(`building apps/web into ${DIST_DIR} …`);
    const build = spawnSync("pnpm", ["--filter", "@gridlease/web", "build"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, NEXT_DIST_DIR: DIST_DIR },
    });
    if (build.status !== 0) throw new Error("the web app does not build; bench:search needs its production build");
  }
  const postgres = await startTempPostgres("gridlease-bench-search-");
  let server: ReturnType<typeof spawn> | undefined;
  try {
    await runMigrations(postgres.url);
    process.env.DATABASE_URL = postgres.url;
    const started = Date.now();
    await insertSyntheticOffers({ chainId: 31337, count: OFFERS });
    // An indexer cursor at block 1, as a running indexer leaves it: later data changes are then applied
    // to the search snapshot incrementally (packages/db/src/offer-delta.ts), as in production.
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
       values (31337, '0x', '0x', 0, '0x0', 1, '0xb1', 0, 1)`,
    );
    await getPool().query("insert into indexed_block (chain_id, number, hash, parent_hash) values (31337, 1, '0xb1', '0x')");
    // A bulk load leaves autovacuum work behind that a live database has long done; do it before measuring.
    await getPool().query("vacuum (analyze) offer, provider");
    console.log(`inserted ${OFFERS} offers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await reportSnapshot();
    await closeDatabaseClients();

    const port = await freePort();
    // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server; NODE_OPTIONS refuses --cpu-prof.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    // The production server npm start runs: Next, with the public read API answered by its lane.
    server = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "http/main.ts", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: WEB_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NEXT_DIST_DIR: DIST_DIR,
        DATABASE_URL: postgres.url,
        CHAIN_ID: "31337",
        NODE_ENV: "production",
        API_RATE_LIMIT_PER_SECOND: "1000000",
        API_RATE_LIMIT_BURST: "1000000",
      },
    });
    let serverLog = "";
    server.stdout!.on("data", (c: Buffer) => (serverLog += c));
    server.stderr!.on("data", (c: Buffer) => (serverLog += c));
    // BENCH_SERVER_LOG=<file> keeps the server's output (e.g. with BENCH_SERVER_NODE_ARGS=--trace-gc).
    if (process.env.BENCH_SERVER_LOG) server.once("exit", () => writeFileSync(process.env.BENCH_SERVER_LOG!, serverLog));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/api/offers?limit=1`)
          .then((r) => r.ok)
          .catch(() => false)
      )
        break;
      if (server.exitCode !== null || i > 600) throw new Error(`the web server did not come up:\n${serverLog.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Warm-up: JIT, connection pool, snapshot — in every web process (WEB_PROCESSES), each a few times.
    const processes = Math.max(1, Number(process.env.WEB_PROCESSES ?? 1));
    for (let round = 0; round < 4 * processes; round++) {
      for (const query of QUERIES) await getOnNewConnection(base + query);
      for (let i = 0; i < 20; i++) await getOnNewConnection(base + uniqueQuery());
    }

    console.log(`web server RSS after warm-up: ${serverRssMb(server.pid!)} MB`);
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    // Saturation: every connection sends its next request as soon as the last answer arrives, so
    // latency here is queueing (Little's law: mean ≈ connections / throughput).
    const runs = new Set((process.env.BENCH_RUNS ?? "saturation,paced,unique,mixed,update").split(","));
    if (runs.has("saturation"))
      await measure(
        base,
        `${QUERIES.length} query shapes, ${CONNECTIONS} connections, as fast as answered`,
        QUERIES.map((path) => ({ method: "GET", path })),
      );
    // The target rate, evenly paced over up to 50 keep-alive connections (autocannon's own rate option
    // fires each connection's quota at the start of every second, i.e. bursts of saturation).
    if (runs.has("paced")) await measurePaced(base);
    // Cache misses only (checked: a fresh query is answered "x-search-cache: miss").
    if (runs.has("unique")) {
      const probe = await fetch(base + uniqueQuery());
      if (probe.headers.get("x-search-cache") !== "miss") throw new Error("a never-seen query was not a cache miss; the uncached run would measure the cache");
      await measure(base, `every query new (cache misses), ${CONNECTIONS} connections, as fast as answered`, [
        { method: "GET", setupRequest: (request) => ({ ...request, path: uniqueQuery() }) },
      ]);
    }
    // Between the two: the popular shapes plus a long tail of never-seen searches (BENCH_NEW_SHARE, default 10%).
    if (runs.has("mixed")) {
      const share = Number(process.env.BENCH_NEW_SHARE ?? 0.1);
      let n = 0;
      await measure(base, `${QUERIES.length} query shapes + ${Math.round(share * 100)}% never-seen queries, ${CONNECTIONS} connections, as fast as answered`, [
        { method: "GET", setupRequest: (request) => ({ ...request, path: Math.random() < share ? uniqueQuery() : QUERIES[n++ % QUERIES.length]! }) },
      ]);
    }
    if (runs.has("update")) await measureUpdate(base);
    console.log(`web server RSS at the end: ${serverRssMb(server.pid!)} MB`);
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    console.log(`machine: ${cpus().length} CPUs, Node ${process.version}`);
  } finally {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server!.once("exit", r));
    }
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:search failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
