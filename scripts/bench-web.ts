/**
 * `pnpm bench:web`: server response time and first-load JS of the marketplace page (`/`) with
 * 100,000 offers in PostgreSQL. Builds the web app if it has no build, starts embedded PostgreSQL
 * and the production server (apps/web/http/main.ts) on free ports, prints the figures, stops everything.
 *
 * Env: BENCH_OFFERS (default 100000; BENCH_OFFERS=1000000 for the 1M-offer market of issue 19), BENCH_REQUESTS per URL (default 200), BENCH_REBUILD=1 forces `next build`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";
import { closeDatabaseClients } from "@gridlease/db/client";
import { freePort } from "@gridlease/sdk/local-chain";

const ROOT = resolve(__dirname, "..");
const WEB = join(ROOT, "apps/web");
const OFFERS = Number(process.env.BENCH_OFFERS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CHAIN_ID = 31337;
// A build of its own: rebuilding apps/web/.next would pull the files from under a running `npm start`.
const DIST_DIR = ".next-bench";

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`the web server exited with code ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function latency(url: string) {
  const result = await autocannon({ url, connections: 1, amount: REQUESTS, timeout: 30 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { mean: result.latency.average, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max };
}

/**
 * First-load JS = every script the HTML of `/` makes a modern browser load, gzip-compressed as it
 * would receive it. `noModule` polyfills are skipped: only browsers without ES modules fetch them.
 */
async function firstLoadJs(base: string) {
  const html = await (await fetch(`${base}/`)).text();
  const tags = [...html.matchAll(/<script[^>]+src="([^"]+)"[^>]*>/g)].filter((m) => !/nomodule/i.test(m[0]));
  const sources = [...new Set(tags.map((m) => m[1]!))];
  let raw = 0;
  let gzip = 0;
  for (const src of sources) {
    const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
    raw += body.length;
    gzip += gzipSync(body, { level: 6 }).length;
  }
  return { scripts: sources.length, rawKb: raw / 1024, gzipKb: gzip / 1024 };
}

async function main() {
  if (process.env.BENCH_REBUILD === "1" || !existsSync(join(WEB, DIST_DIR, "BUILD_ID"))) {
    console.log(`building the web app (next build into apps/web/${DIST_DIR})…`);
    const build = spawnSync(join(WEB, "node_modules/.bin/next"), ["build"], {
      cwd: WEB,
      stdio: "inherit",
      env: { ...process.env, NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (build.status !== 0) throw new Error("next build failed");
  }
  const pg = await startTempPostgres("gridlease-bench-web-");
  let web: ChildProcess | undefined;
  try {
    await runMigrations(pg.url);
    process.env.DATABASE_URL = pg.url;
    const t0 = Date.now();
    await insertSyntheticOffers({ chainId: CHAIN_ID, count: OFFERS });
    await closeDatabaseClients();
    console.log(`database: ${OFFERS.toLocaleString("en-US")} synthetic offers inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The production server npm start runs (Next plus the API lane), not bare `next start`.
    web = spawn(process.execPath, ["--import", "tsx", "http/main.ts", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: WEB,
      stdio: ["ignore", "ignore", "inherit"],
      // No chain is needed: the page reads the database, and no indexer cursor means no contract lookups.
      env: {
        ...process.env,
        NEXT_DIST_DIR: DIST_DIR,
        DATABASE_URL: pg.url,
        RPC_URL: "http://127.0.0.1:9",
        CHAIN_ID: String(CHAIN_ID),
        NEXT_TELEMETRY_DISABLED: "1",
      },
    });
    await waitForHttp(`${base}/`, web);
    for (let i = 0; i < 20; i++) await fetch(`${base}/?gpu=H100-SXM`).then((r) => r.text());

    const firstPage = await (await fetch(`${base}/`)).text();
    const cursor = firstPage.match(/href="\/\?cursor=([A-Za-z0-9_-]+)"/)?.[1];
    const urls: [string, string][] = [
      ["/ (default: cheapest first)", "/"],
      ["/ filtered (H100 SXM, ≥80 GB, available now, by $/TFLOP)", "/?gpu=H100-SXM&minVramGb=80&availableNow=true&sort=price_per_tflop"],
      ["/ page 2 (cursor)", cursor ? `/?cursor=${cursor}` : "/?sort=newest"],
      ["/ nothing matches (why-nothing)", "/?gpu=T4&minVramGb=80"],
    ];
    console.log(`\nserver response time, ${REQUESTS} sequential requests each (ms):`);
    for (const [name, path] of urls) {
      const l = await latency(`${base}${path}`);
      console.log(`  ${name.padEnd(58)} mean ${l.mean.toFixed(1)}  p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}`);
    }
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${web.pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
    console.log(`\nweb server RSS: ${rss.toFixed(0)} MB (the search snapshot of ${OFFERS.toLocaleString("en-US")} offers included)`);
    const js = await firstLoadJs(base);
    console.log(`\nfirst-load JS of /: ${js.scripts} scripts, ${js.rawKb.toFixed(1)} kB raw, ${js.gzipKb.toFixed(1)} kB gzip (target ≤ 200 kB)`);
  } finally {
    web?.kill("SIGTERM");
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
