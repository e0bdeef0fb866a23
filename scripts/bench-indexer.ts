/**
 * pnpm bench:indexer — cold backfill of ≥ 100,000 real contract events from a local Hardhat node into
 * PostgreSQL (events/s, total time, peak RSS of the indexer process, database size), then
 * event → visible-in-search latency while the indexer follows the head (p50/p95).
 *
 * Events come from the real ProviderRegistry: a small helper contract (contracts/test/IndexerBenchProvider.sol)
 * registers as a provider, lists offers and then changes their prices thousands of times per
 * transaction, so each transaction carries 100 OfferPriceUpdated events; a seeded market adds
 * every other event kind. The indexer runs as its own process (apps/indexer/src/main.ts).
 * The indexer runs as it is deployed: bundled to apps/indexer/dist/indexer.mjs and started with plain node
 * with INDEXER_NODE_FLAGS (BENCH_INDEXER_TSX=1 starts src/main.ts under tsx instead, for comparison).
 * BENCH_NODE_FLAGS="flags;flags;…" backfills once per node flag set, each into a fresh database, on the same chain.
 * Env: BENCH_EVENTS (default 100000), BENCH_SAMPLES (default 40), INDEXER_* knobs pass through.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import pg from "pg";
import { createPublicClient, createWalletClient, encodeFunctionData, http, stringToHex, type Address, type Hex } from "viem";
import { startTempPostgres } from "../packages/db/src/embedded";
import { runMigrations } from "../packages/db/src/migrate";
import { searchOffers } from "../packages/db/src/search";
import { deployGridlease } from "../packages/sdk/src/deploy";
import { buildMarket } from "./market/scenario";
import { bundleIndexer, INDEXER_NODE_FLAGS } from "../apps/indexer/src/bundle";
import { freePort, startHardhatNode } from "../packages/sdk/src/local-chain";
import { offerSpec, Simulator, USDC } from "./market/simulate";

const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
// ~100 events per block: dense for one contract pair, but not an adversarial 1,000+ events per block
// (real providers cap getLogs at ~10k results; Hardhat does not, so range sizing alone bounds memory).
const UPDATES_PER_TX = 100;

/** The benchmark's provider contract (contracts/test/IndexerBenchProvider.sol), compiled by `hardhat node` at start. */
function readPump(): { abi: unknown[]; bytecode: Hex } {
  const artifact = path.join(__dirname, "../artifacts/contracts/test/IndexerBenchProvider.sol/IndexerBenchProvider.json");
  const { abi, bytecode } = JSON.parse(readFileSync(artifact, "utf8")) as { abi: unknown[]; bytecode: Hex };
  return { abi, bytecode };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Peak resident set size (VmHWM) of a process, in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<void> {
  const [node, postgres] = await Promise.all([startHardhatNode(), startTempPostgres("gridlease-bench-indexer-")]);
  const cleanup: (() => Promise<unknown>)[] = [() => node.stop(), () => postgres.stop()];
  try {
    await runMigrations(postgres.url);
    const wallet = createWalletClient({ account: DEPLOYER, transport: http(node.url) });
    const publicClient = createPublicClient({ transport: http(node.url, { timeout: 120_000 }), cacheTime: 0 });
    const deployment = await deployGridlease({ walletClient: wallet as never, publicClient: publicClient as never });
    const sim = new Simulator(node.url, 31337, { token: deployment.token.address, registry: deployment.registry.address, escrow: deployment.escrow.address });

    let started = Date.now();
    await buildMarket(sim, {
      providerIndices: Array.from({ length: 30 }, (_, i) => 100 + i),
      renterIndices: Array.from({ length: 10 }, (_, i) => 190 + i),
      funder: DEPLOYER,
      arbiter: DEPLOYER,
      bookings: 20,
    });
    const pump = readPump();
    const deployHash = await wallet.deployContract({ abi: pump.abi, bytecode: pump.bytecode, args: [deployment.registry.address], chain: null });
    const pumpAddress = (await publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const call = async (data: Hex) => {
      const hash = await wallet.sendTransaction({ to: pumpAddress, data, gas: 16_000_000n, chain: null });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("bench helper transaction reverted");
      return receipt;
    };
    await sim.send(sim.account(100), "token", "faucet", [pumpAddress, 1_000n * USDC]);
    await call(
      encodeFunctionData({
        abi: pump.abi,
        functionName: "setup",
        args: [deployment.token.address, 500n * USDC, 60n, stringToHex("H100-SXM", { size: 32 }), stringToHex("us-east", { size: 32 })],
      }),
    );
    // Hardhat automines each transaction as it arrives, so sending them back to back is enough.
    let lastHash: Hex = "0x";
    for (let salt = 0, made = 0; made < TARGET_EVENTS; salt++, made += UPDATES_PER_TX) {
      lastHash = await wallet.sendTransaction({
        to: pumpAddress,
        data: encodeFunctionData({ abi: pump.abi, functionName: "pump", args: [BigInt(UPDATES_PER_TX), BigInt(salt)] }),
        gas: 2_000_000n,
        chain: null,
      });
    }
    if ((await publicClient.waitForTransactionReceipt({ hash: lastHash })).status !== "success") throw new Error("bench helper transaction reverted");
    const head = await publicClient.getBlockNumber();
    console.log(`chain ready: ${head} blocks of real contract activity generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Cold backfill by the real indexer process, once per flag set (each into a fresh database).
    const underTsx = process.env.BENCH_INDEXER_TSX === "1";
    const script = underTsx ? ["--import", "tsx", "apps/indexer/src/main.ts"] : [await bundleIndexer()];
    const flagSets = (process.env.BENCH_NODE_FLAGS ?? INDEXER_NODE_FLAGS.join(" ")).split(";").map((set) => set.trim().split(/\s+/).filter(Boolean));
    let indexer!: ChildProcess;
    let databaseUrl = postgres.url;
    for (const [run, flags] of flagSets.entries()) {
      if (run > 0) {
        indexer.kill("SIGTERM");
        await new Promise((r) => indexer.once("exit", r));
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        await admin.query(`create database bench_run_${run}`);
        await admin.end();
        databaseUrl = postgres.url.replace(/\/[^/?]+(\?|$)/, `/bench_run_${run}$1`);
        await runMigrations(databaseUrl);
      }
      const port = await freePort();
      // KEY=VALUE entries in a flag set are environment variables for that run (INDEXER_PREFETCH=1, MALLOC_ARENA_MAX=2).
      const runEnv = Object.fromEntries(flags.filter((f) => /^[A-Z_]+=/.test(f)).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]));
      const launch = [...flags.filter((f) => !/^[A-Z_]+=/.test(f)), ...script];
      console.log(
        `\nindexer: ${Object.entries(runEnv)
          .map(([k, v]) => `${k}=${v} `)
          .join("")}node ${launch.join(" ")}`,
      );
      started = Date.now();
      indexer = spawn(process.execPath, launch, {
        cwd: path.resolve(__dirname, ".."),
        stdio: ["ignore", "pipe", "inherit"],
        env: {
          ...process.env,
          ...runEnv,
          DATABASE_URL: databaseUrl,
          RPC_URL: node.url,
          CHAIN_ID: "31337",
          INDEXER_PORT: String(port),
          REGISTRY_ADDRESS: deployment.registry.address,
          ESCROW_ADDRESS: deployment.escrow.address,
          DEPLOY_BLOCK: String(deployment.token.deployBlock),
        },
      });
      const child = indexer;
      child.stdout!.on("data", (chunk: Buffer) => process.stdout.write(`  indexer | ${chunk}`));
      cleanup.unshift(async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          await new Promise((r) => child.once("exit", r));
        }
      });
      let peak = 0;
      for (;;) {
        peak = Math.max(peak, peakRss(child.pid!));
        const ready = await fetch(`http://127.0.0.1:${port}/ready`)
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ready) break;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`indexer exited during the backfill (${child.signalCode ?? `exit code ${child.exitCode}`})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const seconds = (Date.now() - started) / 1000;
      peak = Math.max(peak, peakRss(child.pid!));
      const check = new pg.Client({ connectionString: databaseUrl });
      await check.connect();
      const counts = (
        await check.query(`select (select count(*) from raw_event)::int as events, (select count(*) from offer_price_history)::int as prices,
        (select count(*) from offer)::int as offers, (select count(*) from lease)::int as leases, pg_database_size(current_database())::float8 as size`)
      ).rows[0];
      await check.end();
      console.log(
        `cold backfill: ${counts.events} events (${counts.prices} price-history rows, ${counts.offers} offers, ${counts.leases} leases) in ${seconds.toFixed(1)} s` +
          ` → ${Math.round(counts.events / seconds)} events/s (process start and migrations included); peak RSS ${mb(peak)}; database ${mb(counts.size)}; load average ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    // Event → visible in search while following the head: the search the API runs (packages/db searchOffers:
    // offer list from PostgreSQL, counts from the snapshot, which reloads when the data version moves).
    const searchPool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const provider = sim.account(100);
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const price = (3_000_000n + BigInt(i) * 1_013n) * 1n;
      // Visible = first on the newest-first list and counted in the total (which comes from the snapshot).
      const query = {
        chainId: 31337,
        gpu: "L40S",
        region: "eu-north",
        maxPricePerGpuHour: (Number(price) / 1e6).toFixed(6),
        sort: "newest" as const,
        limit: 5,
      };
      const before = (await searchOffers(query, searchPool)).total;
      await sim.send(provider, "registry", "listOffer", [
        offerSpec({
          gpuModel: "L40S",
          gpuCount: 2,
          vramGb: 48,
          cpuCores: 24,
          ramGb: 192,
          diskGb: 1000,
          bandwidthMbps: 2500,
          region: "eu-north",
          pricePerGpuHour: price,
          minHours: 1,
          maxHours: 24,
        }),
      ]);
      const mined = performance.now();
      for (;;) {
        const found = await searchOffers(query, searchPool);
        if (found.offers[0]?.pricePerGpuHour === price.toString() && found.total === before + 1) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      latencies.push(performance.now() - mined);
    }
    await searchPool.end();
    latencies.sort((a, b) => a - b);
    console.log(
      `event → visible in search (${SAMPLES} listings while following): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms` +
        `; indexer peak RSS over the whole run ${mb(peakRss(indexer.pid!))}`,
    );
    console.log(`machine: ${require("node:os").cpus().length} CPUs, Node ${process.version}`);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:indexer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
