// The whole marketplace on one machine (`npm start`): PostgreSQL, a chain, the contracts, the
// indexer and the web app, each step printed with its time. Ctrl-C stops everything cleanly.
//
// Env: DATABASE_URL (external PostgreSQL instead of the embedded one), RPC_URL + CHAIN_ID (any EVM
// RPC instead of the local anvil chain, whose state persists in <data dir>/chain), WEB_PORT, RPC_PORT, PG_PORT, INDEXER_PORT, SEED=0|1,
// PUBLIC_ORIGIN (the web app's public origin, default http://127.0.0.1:WEB_PORT),
// GRIDLEASE_PROFILE=e2e (fresh data, other ports: used by the browser tests), GRIDLEASE_DATA_DIR,
// WEB=0 (everything but the web app: the restart test of the chain and indexer).
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import {
  assertPortFree,
  elapsed,
  running,
  silenceChildren,
  httpOk,
  log,
  rpcChainId,
  runStep,
  startProcess,
  stopProcess,
  StackError,
  waitFor,
  type ManagedProcess,
} from "./stack/processes";
import { startLocalChain, type LocalChain } from "./stack/chain";
import { markWebBuild, webBuildIsCurrent, webSourceHash } from "./stack/web-build";
import { startFleet } from "./stack/fleet";

const ROOT = resolve(__dirname, "..");
const BIN = (name: string) => join(ROOT, "node_modules/.bin", name);
const started = Number(process.env.GRIDLEASE_BOOTSTRAP_STARTED ?? Date.now());

const profile = process.env.GRIDLEASE_PROFILE === "e2e" ? "e2e" : "local";
const defaults = profile === "e2e" ? { web: 3100, rpc: 8645, pg: 54330, indexer: 42169 } : { web: 3000, rpc: 8545, pg: 54320, indexer: 42069 };
const port = z.coerce.number().int().min(1).max(65535);
const EnvSchema = z.object({
  WEB_PORT: port.default(defaults.web),
  RPC_PORT: port.default(defaults.rpc),
  PG_PORT: port.default(defaults.pg),
  INDEXER_PORT: port.default(defaults.indexer),
  DATABASE_URL: z.string().url("DATABASE_URL must be a postgres:// URL").optional(),
  RPC_URL: z.string().url("RPC_URL must be an http(s) URL").optional(),
  CHAIN_ID: z.coerce.number().int().positive("CHAIN_ID must be a positive integer").optional(),
  SEED: z.enum(["0", "1"]).optional(),
  WEB: z.enum(["0", "1"]).default("1"),
  GRIDLEASE_DATA_DIR: z.string().min(1).optional(),
});

const children: ManagedProcess[] = [];
let shuttingDown = false;

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  silenceChildren();
  log("stopping...");
  for (const proc of [...running].reverse()) await stopProcess(proc).catch(() => {});
  log("stopped");
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

/** Reports the first failure as a sentence and stops everything; later failures are its echoes. */
async function fatal(err: unknown) {
  if (shuttingDown) return;
  const message = err instanceof Error ? err.message : String(err);
  console.error(`[gridlease] error: ${message}`);
  // A stack trace only helps when debugging Gridlease itself.
  if (process.env.GRIDLEASE_DEBUG && err instanceof Error && !(err instanceof StackError)) console.error(err.stack);
  await shutdown(1);
}

async function main() {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StackError(`Bad configuration: ${issue.path.join(".")}: ${issue.message}.`);
  }
  const env = parsed.data;
  const dataDir = env.GRIDLEASE_DATA_DIR ? resolve(env.GRIDLEASE_DATA_DIR) : join(ROOT, ".data", profile);
  const logDir = join(dataDir, "logs");
  if (profile === "e2e") rmSync(dataDir, { recursive: true, force: true });
  const localChain = !env.RPC_URL;
  const chainId = env.CHAIN_ID ?? 31337;
  const rpcUrl = env.RPC_URL ?? `http://127.0.0.1:${env.RPC_PORT}`;
  const steps = 10;
  let step = 0;
  const stepLog = (msg: string) => log(`[${++step}/${steps}] ${msg}`);

  await assertPortFree(env.WEB_PORT, "web app", "WEB_PORT");
  await assertPortFree(env.INDEXER_PORT, "indexer health", "INDEXER_PORT");
  if (localChain) await assertPortFree(env.RPC_PORT, "local chain", "RPC_PORT");
  if (!env.DATABASE_URL) await assertPortFree(env.PG_PORT, "embedded PostgreSQL", "PG_PORT");

  const migrate = await import("../packages/db/src/migrate");

  // Database, chain and compiler are independent: start them together.
  const tDb = Date.now();
  const databaseReady = (async () => {
    if (env.DATABASE_URL) {
      await migrate.checkDatabase(env.DATABASE_URL).catch((e: Error) => {
        throw new StackError(e.message);
      });
      stepLog(`database: using DATABASE_URL (${elapsed(tDb)})`);
      return env.DATABASE_URL;
    }
    // Lines starting "postgres: " say where root's PostgreSQL keeps what the `postgres` user cannot reach in the checkout.
    const pg = startProcess({
      name: "postgres",
      command: process.execPath,
      args: ["--import", "tsx", "scripts/stack/postgres.ts"],
      cwd: ROOT,
      env: { PG_DATA_DIR: join(dataDir, "pg"), PG_PORT: String(env.PG_PORT) },
      logDir,
      echo: (line) => line.startsWith("postgres: "),
    });
    const ready = pg.watchFor(/postgres ready (\S+) data (.+)$/);
    await waitFor("PostgreSQL start", async () => ready() !== undefined, { timeoutMs: 60_000, process: pg });
    const [, url, pgData] = ready()!;
    children.push(pg);
    stepLog(`database: embedded PostgreSQL on 127.0.0.1:${env.PG_PORT}, data in ${pgData} (${elapsed(tDb)})`);
    return url;
  })();

  const tChain = Date.now();
  let chain: LocalChain | undefined;
  const chainReady = (async () => {
    if (localChain) {
      chain = await startLocalChain({ root: ROOT, dataDir, port: env.RPC_PORT, chainId, logDir });
      children.push(chain.process);
    }
    const actual = await rpcChainId(rpcUrl).catch((e: Error) => {
      throw new StackError(`Cannot reach the RPC at ${rpcUrl} (${e.message}). Check RPC_URL.`);
    });
    if (actual !== chainId) {
      throw new StackError(
        `The RPC at ${rpcUrl} is on chain id ${actual}, but CHAIN_ID is ${chainId}. Set CHAIN_ID=${actual} if that chain is the one you mean.`,
      );
    }
    stepLog(`chain: ${localChain ? (chain!.fresh ? "new local chain" : "saved local chain") : "RPC"} at ${rpcUrl}, chain id ${chainId} (${elapsed(tChain)})`);
  })();

  const tCompile = Date.now();
  const compiled = (async () => {
    const compile = startProcess({ name: "compile", command: BIN("hardhat"), args: ["compile", "--quiet"], cwd: ROOT, env: {}, logDir });
    await runStep(compile, "Compiling the contracts");
    stepLog(`contracts: compiled (${elapsed(tCompile)})`);
  })();

  // Steps run side by side: whichever fails first stops the stack at once.
  for (const step of [databaseReady, chainReady, compiled]) step.catch(fatal);
  const databaseUrl = await databaseReady;
  const tMigrate = Date.now();
  await migrate.runMigrations(databaseUrl);
  stepLog(`migrations: applied (${elapsed(tMigrate)})`);

  const childEnv = { DATABASE_URL: databaseUrl, RPC_URL: rpcUrl, CHAIN_ID: String(chainId) };

  // The web build only needs the sources and the migrated schema, so it overlaps the chain work.
  const tWeb = Date.now();
  const webBuilt = (async () => {
    if (env.WEB === "0") return "not started (WEB=0)";
    const hash = webSourceHash(ROOT);
    if (webBuildIsCurrent(ROOT, hash)) return "build reused";
    const build = startProcess({
      name: "web-build",
      command: "pnpm",
      args: ["--dir", "apps/web", "exec", "next", "build"],
      cwd: ROOT,
      env: { ...childEnv, NEXT_TELEMETRY_DISABLED: "1" },
      logDir,
    });
    await runStep(build, "Building the web app (next build)");
    markWebBuild(ROOT, hash);
    return "built";
  })();
  webBuilt.catch(fatal);

  await Promise.all([chainReady, compiled]);
  const tDeploy = Date.now();
  const deploy = startProcess({ name: "deploy", command: BIN("tsx"), args: ["scripts/deploy.ts"], cwd: ROOT, env: childEnv, logDir, echo: () => true });
  await runStep(deploy, "Deploying the contracts");
  stepLog(`deploy: done (${elapsed(tDeploy)})`);

  // A saved local chain was seeded before its state file got its name (scripts/stack/chain.ts).
  const seed = (env.SEED ? env.SEED === "1" : localChain) && chain?.fresh !== false;
  if (seed) {
    const tSeed = Date.now();
    const seeding = startProcess({ name: "seed", command: BIN("tsx"), args: ["scripts/seed.ts"], cwd: ROOT, env: childEnv, logDir, echo: () => true });
    await runStep(seeding, "Seeding the market");
    stepLog(`seed: market created (${elapsed(tSeed)})`);
  } else {
    stepLog(chain?.fresh === false ? "seed: skipped (saved chain)" : "seed: skipped");
  }
  if (chain?.fresh) {
    // Deploy and seed ran with automining; from here on blocks come every second (see chain.ts).
    const restarted = await chain.startIntervalMining();
    children.splice(children.indexOf(chain.process), 1, restarted);
  }

  // The indexer runs as one plain-JS bundle with a small heap: a third of the memory it needs under tsx.
  const { bundleIndexer, INDEXER_NODE_FLAGS } = await import("../apps/indexer/src/bundle");
  const indexerBundle = await bundleIndexer();
  const indexer = startProcess({
    name: "indexer",
    command: process.execPath,
    args: [...INDEXER_NODE_FLAGS, indexerBundle],
    cwd: ROOT,
    env: { ...childEnv, INDEXER_PORT: String(env.INDEXER_PORT) },
    logDir,
    echo: (line) => /error|backfill|caught up|reorg|new chain/i.test(line),
  });
  children.push(indexer);

  const tIndex = Date.now();
  await waitFor("Indexer catching up with the chain", () => httpOk(`http://127.0.0.1:${env.INDEXER_PORT}/ready`), { timeoutMs: 180_000, process: indexer });
  stepLog(`indexer: caught up (${elapsed(tIndex)})`);

  // The liveness watcher (apps/watcher): reports outages for renters who opted in and settles expired
  // reports. Locally its wallet is a development account; elsewhere it needs WATCHER_KEY_FILE.
  if (localChain || process.env.WATCHER_KEY_FILE) {
    const tWatcher = Date.now();
    const watcher = startProcess({
      name: "watcher",
      command: process.execPath,
      args: ["--import", "tsx", "apps/watcher/src/main.ts"],
      cwd: ROOT,
      // Proof of GPU on the local chain: the fleet's CPU-sized challenges, checked soon after start
      // (a few offers every 2 s, again after 10 min, 20 s after a failure) so the demo shows badges;
      // GPU_CHECK_* in the environment override these.
      env: localChain
        ? {
            ...childEnv,
            GPU_CHECK_PROFILE: process.env.GPU_CHECK_PROFILE ?? "local",
            GPU_CHECK_CYCLE_SECONDS: process.env.GPU_CHECK_CYCLE_SECONDS ?? "2",
            GPU_CHECKS_PER_CYCLE: process.env.GPU_CHECKS_PER_CYCLE ?? "6",
            GPU_CHECK_INTERVAL_SECONDS: process.env.GPU_CHECK_INTERVAL_SECONDS ?? "600",
            GPU_CHECK_RETRY_SECONDS: process.env.GPU_CHECK_RETRY_SECONDS ?? "20",
          }
        : childEnv,
      logDir,
      echo: (line) => /error|failed/i.test(line),
    });
    children.push(watcher);
    const watching = watcher.watchFor(/watcher: (?:watching as (0x[0-9a-fA-F]{40})|(idle): )/);
    await waitFor("Liveness watcher start", async () => watching() !== undefined, { timeoutMs: 60_000, process: watcher });
    const [, address] = watching()!;
    stepLog(`watcher: ${address ? `reporting outages as ${address}` : "idle (this deployment has no LeaseLiveness)"} (${elapsed(tWatcher)})`);
  } else {
    stepLog("watcher: skipped (set WATCHER_KEY_FILE to run it on this chain)");
  }

  // The notifier (apps/notifier): indexed lease events → email and signed webhooks. Without SMTP_URL its
  // emails are written as .eml files under <data dir>/mail (no mail server is started locally).
  const tNotifier = Date.now();
  // One esbuild bundle, like the indexer: no tsx in the long-running process (about half the memory).
  const { bundleNotifier } = await import("../apps/notifier/src/bundle");
  const notifier = startProcess({
    name: "notifier",
    command: process.execPath,
    args: [await bundleNotifier()],
    cwd: ROOT,
    env: { ...childEnv, MAIL_DIR: join(dataDir, "mail"), PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN || `http://127.0.0.1:${env.WEB_PORT}` },
    logDir,
    echo: (line) => /error|failed/i.test(line),
  });
  children.push(notifier);
  const notifierReady = notifier.watchFor(/\[notifier\] ready: (.*)$/);
  await waitFor("Notifier start", async () => notifierReady() !== undefined, { timeoutMs: 60_000, process: notifier });
  log(`notifier: ${notifierReady()![1]} (${elapsed(tNotifier)})`);

  const buildResult = await webBuilt;
  if (env.WEB === "0") {
    log(`ready without the web app (WEB=0) (${elapsed(started)} in all). Logs in ${logDir}. Ctrl-C stops everything.`);
    return waitForFirstExit();
  }
  const web = startProcess({
    name: "web",
    // `next start` plus the public read API answered outside Next's pipeline (apps/web/http/main.ts).
    command: process.execPath,
    // From apps/web, where its tsconfig.json (read by tsx) and its node_modules are.
    args: ["--import", "tsx", "http/main.ts", "--hostname", "127.0.0.1", "--port", String(env.WEB_PORT)],
    cwd: join(ROOT, "apps/web"),
    // PUBLIC_ORIGIN: the origin arbiter sign-in messages must name (never the request's Host header);
    // the local one unless the operator serves the site elsewhere (behind a proxy, another hostname).
    env: {
      ...childEnv,
      INDEXER_URL: `http://127.0.0.1:${env.INDEXER_PORT}`,
      NEXT_TELEMETRY_DISABLED: "1",
      PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN || `http://127.0.0.1:${env.WEB_PORT}`,
    },
    logDir,
    echo: (line) => /error/i.test(line),
  });
  children.push(web);
  const webUrl = `http://127.0.0.1:${env.WEB_PORT}`;
  await waitFor("Web app start", () => httpOk(webUrl), { timeoutMs: 120_000, process: web });
  stepLog(`web: ${buildResult}, serving (${elapsed(tWeb)} since the build started)`);

  // The seeded providers' agents: only on the local chain, whose seeded keys are the public mnemonic's.
  if (localChain && chainId === 31337) {
    const tFleet = Date.now();
    const fleet = await startFleet({
      root: ROOT,
      dataDir,
      logDir,
      rpcUrl,
      chainId,
      webUrl,
      providers: Number(process.env.SEED_PROVIDERS ?? 36),
      freshChain: chain?.fresh !== false,
    });
    children.push(fleet.process);
    stepLog(`fleet: ${fleet.summary}, sandboxes in ${join(dataDir, "sandboxes")} (${elapsed(tFleet)})`);
  } else {
    stepLog("fleet: skipped (not the local chain)");
  }

  log(`ready: ${webUrl} (${elapsed(started)} in all). Logs in ${logDir}. Ctrl-C stops everything.`);

  await waitForFirstExit();
}

/** A service dying after start is reported and takes the stack down, rather than leaving half of it running. */
async function waitForFirstExit() {
  const firstExit = await Promise.race(children.map((c) => c.exited.then((code) => ({ c, code }))));
  if (!shuttingDown) {
    console.error(`[gridlease] error: ${firstExit.c.name} exited unexpectedly (code ${firstExit.code}). Last output:\n${firstExit.c.recentOutput()}`);
    await shutdown(1);
  }
}

main().catch(fatal);
