/**
 * `pnpm bench:market`: the whole market under load on one machine — a Hardhat node (automine), PostgreSQL,
 * the indexer and a web process (real processes), the provider fleet (`gridlease-agent fleet`, every
 * provider accepting its bookings and posting heartbeats), renters booking at a target transaction rate
 * and searchers hitting GET /api/offers at the same time. At the end the database is compared with the
 * chain: every offer, lease and provider stake read back from the contracts.
 *
 * Env (targets of the Akash EVM design, AEP-79): MARKET_CHAIN (anvil | hardhat), MARKET_MINING (interval | mixed), MARKET_PROVIDERS (500), MARKET_TPS (50: bookings plus
 * the accepts they cause), MARKET_DURATION_S (600), MARKET_RENTERS (100), MARKET_GPUS_PER_OFFER (32: 500
 * providers hold 16,000 GPUs, room for ten minutes of 25 one-GPU bookings a second, so 10,000+ leases are
 * active before the end), MARKET_SEARCHERS (4), MARKET_NICE (10: the fleet and the renters run at a lower
 * priority than the platform's services, as other machines would).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  decodeEventLog,
  http,
  maxUint256,
  parseEther,
  parseGwei,
} from "viem";
import { hardhat } from "viem/chains";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { sealJson, generateEncryptionKeyPair } from "@gridlease/sdk/crypto";
import { LEASE_STATUS, OFFER_STATUS } from "@gridlease/sdk/enums.generated";
import { localAccount, localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { REPO_ROOT, startAnvilNode, startHardhatNode } from "@gridlease/sdk/local-chain";
import { AgentProcess } from "../test/helpers/agent-process";
import { registerLocalProviders } from "../test/helpers/local-providers";
import { Market, usdc } from "../test/helpers/market";
import { BlockReceipts } from "../src/serve/block-receipts";
import { startRpcCounter } from "./rpc-stats";
import { writeSandboxFleetConfig } from "./sandbox-fleet";

/** A booking's revert by name: book() can revert with the registry's or the token's errors, which the escrow's ABI does not list. */
function bookingError(error: unknown): string {
  const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  const raw = revert instanceof ContractFunctionRevertedError ? revert.raw : undefined;
  if (raw) {
    try {
      const decoded = decodeErrorResult({ abi: [...leaseEscrowAbi, ...providerRegistryAbi, ...mockUsdcAbi], data: raw });
      return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
    } catch {
      // not one of ours: the message below
    }
  }
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PROVIDERS = env("MARKET_PROVIDERS", 500);
const TPS = env("MARKET_TPS", 50);
const DURATION_S = env("MARKET_DURATION_S", 600);
const RENTERS = env("MARKET_RENTERS", 100);
const GPUS = env("MARKET_GPUS_PER_OFFER", 32);
const SEARCHERS = env("MARKET_SEARCHERS", 4);
const NICE = env("MARKET_NICE", 10);
/** A progress line (with the interval's p95s) every minute, or six in a shorter run. */
const PROGRESS_MS = Math.min(60_000, (DURATION_S * 1000) / 6);
const FIRST_PROVIDER = 100;
const BOOK_GAS = 400_000n;
// anvil's base fee starts at 1 gwei and falls while blocks are less than half full (these are ≈ 20 % full).
const MAX_FEE_PER_GAS = parseGwei("20");
const PRIORITY_FEE_PER_GAS = parseGwei("1");
const FIRST_RENTER = 3000;

const percentile = (values: number[], p: number) =>
  values.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]! : NaN;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
async function procStats(pid: number): Promise<{ cpuSeconds: number; rssMiB: number }> {
  try {
    const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    // utime + stime + the children's (the fleet's provisioning scripts), in clock ticks.
    const ticks = Number(stat[11]) + Number(stat[12]) + Number(stat[13]) + Number(stat[14]);
    return { cpuSeconds: ticks / 100, rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } catch {
    return { cpuSeconds: 0, rssMiB: 0 };
  }
}

function spawnService(
  name: string,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const match = ready.exec(output);
      if (match) resolve({ child, match });
      if (/error/i.test(chunk.toString())) errors.push(`${name}: ${chunk.toString().trim().slice(0, 200)}`);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
  });
}

/**
 * The searchers' loop (a worker thread, plain JavaScript): each of `searchers` loops asks GET /api/offers
 * with its query, reads the body, waits 50 ms; latencies and errors go back to the bench once a second.
 */
const SEARCHER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { webUrl, queries, searchers, deadline } = workerData;
let latencies = [];
let errors = 0;
const flush = () => { parentPort.postMessage({ latencies, errors }); latencies = []; errors = 0; };
const timer = setInterval(flush, 1000);
Promise.all(Array.from({ length: searchers }, async (_, i) => {
  while (Date.now() < deadline) {
    const started = performance.now();
    const response = await fetch(webUrl + "/api/offers?" + queries[i % queries.length]).catch(() => null);
    if (response) await response.arrayBuffer();
    if (!response || response.status !== 200) errors++;
    else latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 50));
  }
})).then(() => { clearInterval(timer); flush(); });
`;

const errors: string[] = [];
// anvil by default, the chain `npm start` runs (MARKET_CHAIN=hardhat for a Hardhat node): on 2 cores the
// Hardhat node's request queue, not the market, set every figure.
const CHAIN = process.env.MARKET_CHAIN === "hardhat" ? "hardhat" : "anvil";
// anvil mines each transaction at once while the market is set up (mixed mining: setup's dependent
// transactions need no wait). For the load, MARKET_MINING=interval (the default) switches it to one block a
// second carrying every pending transaction, as a real chain does: a block per transaction cost the node
// ~25 ms of CPU per transaction (state root and block per transaction). MARKET_MINING=mixed keeps mixed mining.
// Order matters: evm_setAutomine(false) stops every kind of mining, evm_setIntervalMining(1) then restarts the
// one-second blocks.
const MINING = CHAIN === "anvil" && process.env.MARKET_MINING !== "mixed" ? "interval" : "mixed";
const node = CHAIN === "hardhat" ? await startHardhatNode() : await startAnvilNode({ blockTime: 1 });
const postgres = await startTempPostgres("gridlease-bench-market-");
// MARKET_RPC_STATS=1: every service talks to the chain through a counting pass-through (see rpc-stats.ts).
const rpcStats = process.env.MARKET_RPC_STATS ? await startRpcCounter(node.url) : undefined;
const rpcUrl = (client: string) => rpcStats?.url(client) ?? node.url;
const children: ChildProcess[] = [];
let fleet: AgentProcess | undefined;
try {
  await runMigrations(postgres.url);
  const market = await Market.deploy(node.url);
  const { token, registry, escrow } = market.deployment;
  const test = createTestClient({ chain: hardhat, mode: "hardhat", transport: http(node.url) });
  const client = market.publicClient;

  // Providers: one offer of GPUS RTX 4090s each, registered the way scripts/seed.ts does.
  let setupStart = performance.now();
  const registered = await registerLocalProviders(
    market,
    Array.from({ length: PROVIDERS }, (_, i) => FIRST_PROVIDER + i),
    { ether: "100", metadataTag: "market", offer: { gpuCount: GPUS, cpuCores: 16 * GPUS, ramGb: 64 * GPUS, maxHours: 720 } },
  );
  const offers = [...registered].map(([index, id]) => ({ id, index, free: GPUS }));
  const withFreeGpus = [...offers];
  log(`${PROVIDERS} providers with ${GPUS} GPUs each registered in ${((performance.now() - setupStart) / 1000).toFixed(0)} s`);

  // Renters: funded and approved once.
  setupStart = performance.now();
  const renters = Array.from({ length: RENTERS }, (_, i) => localAccount(FIRST_RENTER + i));
  const deployer = createWalletClient({ chain: hardhat, transport: http(node.url), account: localAccount(0) });
  for (const renter of renters) {
    await test.setBalance({ address: renter.address, value: parseEther("1000") });
    await client.waitForTransactionReceipt({
      hash: await deployer.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [renter.address, usdc("1000000")] }),
    });
    const wallet = createWalletClient({ chain: hardhat, transport: http(node.url), account: renter });
    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [escrow.address, maxUint256] }),
    });
  }
  log(`${RENTERS} renters funded in ${((performance.now() - setupStart) / 1000).toFixed(0)} s`);

  // Services: indexer and web as real processes; the fleet serves every provider.
  const { child: indexer } = await spawnService(
    "indexer",
    ["--import", "tsx", "apps/indexer/src/main.ts"],
    REPO_ROOT,
    {
      DATABASE_URL: postgres.url,
      RPC_URL: rpcUrl("indexer"),
      CHAIN_ID: "31337",
      INDEXER_PORT: "0",
      REGISTRY_ADDRESS: registry.address,
      ESCROW_ADDRESS: escrow.address,
      DEPLOY_BLOCK: String(token.deployBlock),
    },
    /caught up with chain/,
  );
  children.push(indexer);
  const { child: web, match: listening } = await spawnService(
    "web",
    ["--import", "tsx", "test/fixtures/web-process.ts"],
    path.join(REPO_ROOT, "apps/web"),
    {
      DATABASE_URL: postgres.url,
      RPC_URL: rpcUrl("web"),
      CHAIN_ID: "31337",
      PUBLIC_ORIGIN: "http://127.0.0.1:3000",
      API_RATE_LIMIT_PER_SECOND: "100000",
      API_RATE_LIMIT_BURST: "100000",
      API_WRITE_RATE_LIMIT_PER_SECOND: "100000",
      // The whole fleet posts from one address: 500 heartbeats a minute, over the 2/s default per client.
      API_HEARTBEAT_RATE_LIMIT_PER_SECOND: "100000",
      API_HEARTBEAT_RATE_LIMIT_BURST: "100000",
      API_WRITE_RATE_LIMIT_BURST: "100000",
    },
    /listening (\d+)/,
  );
  children.push(web);
  const webUrl = `http://127.0.0.1:${listening[1]}`;
  const configPath = await writeSandboxFleetConfig({
    tmpPrefix: "gridlease-bench-market-",
    rpcUrl: rpcUrl("fleet"),
    apiUrl: webUrl,
    deployment: market.deployment,
    providers: offers.map((o) => o.index),
  });
  // MARKET_FLEET_NODE_OPTIONS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof) profiles the fleet alone.
  const fleetNodeOptions = process.env.MARKET_FLEET_NODE_OPTIONS;
  fleet = new AgentProcess(configPath, fleetNodeOptions ? { ...process.env, NODE_OPTIONS: fleetNodeOptions } : process.env, "fleet");
  await fleet.waitForLine(/fleet: serving/, 600_000);
  log(`indexer, web and the fleet of ${PROVIDERS} providers are up (load ${load()})`);
  const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  // Warm-up, not measured: the fleet signs and posts its first 500 heartbeats over its first 5 s (spread
  // so every provider shows online soon after a start) and reads every offer once; bookings in those
  // seconds waited behind it (booking → accepted p95 3.8 s and search p95 84 ms in a run's first 10 s,
  // ≈ 1 s and ≈ 20 ms after). The load starts once every provider has been seen online, plus 5 s.
  const warmUpStart = Date.now();
  for (;;) {
    const online = Number((await db.query<{ n: string }>("select count(*)::text as n from provider_uptime")).rows[0]?.n ?? 0);
    if (online >= PROVIDERS || Date.now() - warmUpStart > 120_000) {
      log(`${online} of ${PROVIDERS} providers seen online after ${((Date.now() - warmUpStart) / 1000).toFixed(0)} s; 5 s more before the load`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 5000));
  if (MINING === "interval") {
    await test.setAutomine(false);
    // Not test.setIntervalMining: in the test client's "hardhat" mode viem sends the interval × 1000 (Hardhat
    // takes milliseconds), which anvil reads as seconds — a block every 1,000 s, so nothing was mined.
    await test.request({ method: "evm_setIntervalMining", params: [1] });
  }

  // ---- Load: renters book (each booking causes an accept by the fleet), searchers search.
  const services = { chain: node.process.pid, indexer: indexer.pid!, web: web.pid!, fleet: fleet.pid } as Record<string, number | undefined>;
  const cpuBefore: Record<string, number> = {};
  for (const [name, pid] of Object.entries(services)) if (pid) cpuBefore[name] = (await procStats(pid)).cpuSeconds;
  // The renters, searchers and samplers run in this process: its CPU is the load generator's.
  const benchCpuBefore = process.cpuUsage();
  rpcStats?.reset();
  const rssPeak: Record<string, number> = {};
  const startBlock = await client.getBlockNumber();
  const loadStart = Date.now();
  const deadline = loadStart + DURATION_S * 1000;
  const bookedAt = new Map<bigint, number>();
  // An accept can land before the renter has read its booking's receipt (the fleet polls every 0.25 s, the
  // renters' receipts arrive once per block): it waits here for the booking, and counts as 0 ms then.
  const acceptedBeforeBooked = new Set<bigint>();
  const acceptLatency: number[] = [];
  const searchLatency: number[] = [];
  const lagMs: number[] = [];
  let bookings = 0;
  let bookErrors = 0;
  let searchErrors = 0;
  const loadAverages: string[] = [];

  // Bookings are spaced so that bookings + the accepts they cause make MARKET_TPS.
  const bookingIntervalMs = 1000 / (TPS / 2);
  let nextSlot = Date.now();
  const takeSlot = async () => {
    const slot = nextSlot;
    nextSlot = Math.max(nextSlot + bookingIntervalMs, Date.now() - 1000);
    if (slot > Date.now()) await new Promise((r) => setTimeout(r, slot - Date.now()));
  };
  const requestKeys = generateEncryptionKeyPair();
  const renterReceipts = new BlockReceipts(createPublicClient({ chain: hardhat, transport: http(rpcUrl("renters")) }));
  const renterLoops = renters.map(async (renter) => {
    const wallet = createWalletClient({ chain: hardhat, transport: http(rpcUrl("renters")), account: renter });
    // The load generator fills in what viem would ask the node for on every booking (the nonce, a gas
    // estimate that executes book(), the fee from the latest block): three calls a booking that cost the
    // node and this process CPU the platform's own figures should not carry. Each renter books one at a
    // time, so its nonce is the last one plus one (re-read after a failure); book() takes ≈ 132k gas.
    let nonce: number | undefined;
    while (Date.now() < deadline) {
      await takeSlot();
      if (Date.now() >= deadline) break;
      // A random offer with a free GPU: a full one picked at random used to skip the slot, so the booking
      // rate fell as offers filled (24.4 a second over ten minutes instead of 26).
      if (withFreeGpus.length === 0) break;
      const pick = Math.floor(Math.random() * withFreeGpus.length);
      const offer = withFreeGpus[pick]!;
      offer.free--;
      if (offer.free === 0) {
        withFreeGpus[pick] = withFreeGpus[withFreeGpus.length - 1]!;
        withFreeGpus.pop();
      }
      try {
        const request = sealJson(
          localProviderEncryptionPublicKey(offer.index),
          {
            sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a bench@market",
            renterEncryptionKey: `0x${Buffer.from(requestKeys.publicKey).toString("hex")}`,
          },
          { kind: "request", chainId: 31337, escrow: escrow.address, offerId: offer.id, renter: renter.address },
        );
        nonce ??= await client.getTransactionCount({ address: renter.address, blockTag: "pending" });
        const hash = await wallet
          .writeContract({
            address: escrow.address,
            abi: leaseEscrowAbi,
            functionName: "book",
            args: [offer.id, 1, 48, usdc("1"), request],
            nonce,
            gas: BOOK_GAS,
            maxFeePerGas: MAX_FEE_PER_GAS,
            maxPriorityFeePerGas: PRIORITY_FEE_PER_GAS,
          })
          .catch((error: unknown) => {
            nonce = undefined;
            throw error;
          });
        nonce++;
        // One eth_getBlockReceipts per block for all renters (BlockReceipts), not viem's per-transaction polling.
        const receipt = await renterReceipts.wait(hash);
        const booked = receipt.logs
          .map((l) => {
            try {
              return decodeEventLog({ abi: leaseEscrowAbi, ...l });
            } catch {
              return null;
            }
          })
          .find((e) => e?.eventName === "LeaseBooked");
        if (receipt.status !== "success" || !booked) throw new Error("book reverted");
        const leaseId = (booked.args as { leaseId: bigint }).leaseId;
        bookedAt.set(leaseId, Date.now());
        // Already accepted when the renter learnt it was booked: no wait from where the renter stands.
        if (acceptedBeforeBooked.delete(leaseId)) acceptLatency.push(0);
        bookings++;
      } catch (error) {
        bookErrors++;
        if (bookErrors <= 5) errors.push(`book: ${bookingError(error)}`);
      }
    }
  });
  // Accepts, as the chain reports them.
  let scanned = startBlock;
  const acceptWatcher = (async () => {
    while (Date.now() < deadline + 30_000 && (Date.now() < deadline || acceptLatency.length < bookings)) {
      const head = await client.getBlockNumber();
      if (head > scanned) {
        const events = await client.getContractEvents({
          address: escrow.address,
          abi: leaseEscrowAbi,
          eventName: "LeaseAccepted",
          fromBlock: scanned + 1n,
          toBlock: head,
        });
        for (const event of events) {
          const at = bookedAt.get(event.args.leaseId!);
          if (at !== undefined) acceptLatency.push(Date.now() - at);
          else acceptedBeforeBooked.add(event.args.leaseId!);
        }
        scanned = head;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // Indexer lag: how long after a block first appears does the index reach it.
  const seenAt = new Map<bigint, number>();
  const sampler = (async () => {
    let lastLoad = 0;
    let progressFrom = { accepts: 0, searches: 0 };
    while (Date.now() < deadline) {
      const head = await client.getBlockNumber();
      for (let b = seenAt.size ? [...seenAt.keys()].at(-1)! + 1n : head; b <= head; b++) seenAt.set(b, Date.now());
      const cursor = BigInt((await db.query<{ b: string }>("select block_number::text as b from indexer_cursor")).rows[0]?.b ?? "0");
      for (const [block, at] of seenAt) {
        if (block > cursor) break;
        lagMs.push(Date.now() - at);
        seenAt.delete(block);
      }
      for (const [name, pid] of Object.entries(services)) if (pid) rssPeak[name] = Math.max(rssPeak[name] ?? 0, (await procStats(pid)).rssMiB);
      if (Date.now() - lastLoad > PROGRESS_MS) {
        lastLoad = Date.now();
        loadAverages.push(load());
        // The p95s of this interval alone: whether the rates hold over the whole run, not only on average.
        const recentAccepts = acceptLatency.slice(progressFrom.accepts);
        const recentSearches = searchLatency.slice(progressFrom.searches);
        progressFrom = { accepts: acceptLatency.length, searches: searchLatency.length };
        log(
          `${((Date.now() - loadStart) / 1000).toFixed(0)} s: ${bookings} bookings, ${acceptLatency.length} accepted, ${searchLatency.length} searches; since the last line booking → accepted p95 ${ms(percentile(recentAccepts, 95))}, search p95 ${ms(percentile(recentSearches, 95))}; load ${load()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const queries = [
    "gpu=RTX4090&sort=price&limit=20",
    "minGpus=1&sort=reliability&limit=50",
    "region=eu-west&availableNow=true&limit=20",
    "maxPricePerGpuHour=1000000&limit=10",
  ];
  // The searchers run in a worker thread with its own event loop: in this process a response would wait
  // behind the renters' signing and receipt handling, and the bench's own delay would count as the API's.
  const searchWorker = new Worker(SEARCHER_SOURCE, { eval: true, workerData: { webUrl, queries, searchers: SEARCHERS, deadline } });
  // In a real market the providers and the renters are other machines; here they share two cores with the
  // platform (chain, PostgreSQL, indexer, web), so they run at a lower priority (MARKET_NICE, default 10;
  // 0 for none): the fleet's main thread and this process's (the renters), not the searchers' thread
  // (started above at normal priority, so the search latency it measures is not its own waiting).
  if (NICE > 0) {
    os.setPriority(NICE);
    if (fleet.pid) os.setPriority(fleet.pid, NICE);
  }
  searchWorker.on("message", (batch: { latencies: number[]; errors: number }) => {
    searchLatency.push(...batch.latencies);
    searchErrors += batch.errors;
  });
  const searchers = [new Promise<void>((resolve, reject) => searchWorker.once("exit", () => resolve()).once("error", reject))];
  await Promise.all([...renterLoops, ...searchers, sampler]);
  // CPU and time when the load stops, before the block count below (one getBlock per block) adds its own.
  const seconds = (Date.now() - loadStart) / 1000;
  const cpuSeconds: Record<string, number> = {};
  for (const [name, pid] of Object.entries(services)) if (pid) cpuSeconds[name] = (await procStats(pid)).cpuSeconds - cpuBefore[name]!;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  cpuSeconds.bench = (benchCpu.user + benchCpu.system) / 1e6;
  const rpcCounts = rpcStats?.snapshot();
  const endBlock = await client.getBlockNumber();
  let transactions = 0;
  for (let b = startBlock + 1n; b <= endBlock; b++) transactions += (await client.getBlock({ blockNumber: b })).transactions.length;
  // CPU seconds per mined transaction do not depend on how busy the shared machine is; the percentages do.
  const cpu: Record<string, string> = {};
  for (const [name, used] of Object.entries(cpuSeconds))
    cpu[name] = `${((used / seconds) * 100).toFixed(0)} % = ${((used / Math.max(transactions, 1)) * 1000).toFixed(1)} ms/tx`;
  const rpcLines = rpcStats?.report(rpcCounts!, Math.max(transactions, 1)) ?? [];
  await acceptWatcher;
  // Nothing may move the chain while it is compared with the database: the fleet stops first.
  await fleet.stop();
  fleet = undefined;

  // ---- The database equals the chain: every offer, lease and stake read back from the contracts.
  const head = await client.getBlockNumber();
  for (let waited = 0; waited < 120_000; waited += 500) {
    const cursor = BigInt((await db.query<{ b: string }>("select block_number::text as b from indexer_cursor")).rows[0]?.b ?? "0");
    if (cursor >= head) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const mismatches: string[] = [];
  const rows = async (sql: string) => new Map((await db.query(sql)).rows.map((r: Record<string, string>) => [String(Object.values(r)[0]), r]));
  const dbOffers = await rows("select offer_id::text as id, status, free_units::int as free from offer");
  const nextOffer = await client.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "nextOfferId" });
  for (let id = 1n; id < nextOffer; id++) {
    const onChain = await client.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "getOffer", args: [id] });
    const row = dbOffers.get(String(id)) as { status: string; free: number } | undefined;
    const free = onChain.spec.gpuCount - onChain.reservedUnits;
    if (!row || row.status !== OFFER_STATUS[onChain.status] || row.free !== free)
      mismatches.push(`offer ${id}: chain ${OFFER_STATUS[onChain.status]}/${free} free, db ${row?.status}/${row?.free}`);
  }
  const dbLeases = await rows("select lease_id::text as id, status, deposit::text as deposit, renter from lease");
  const nextLease = await client.readContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "nextLeaseId" });
  for (let id = 1n; id < nextLease; id++) {
    const onChain = await client.readContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "getLease", args: [id] });
    const row = dbLeases.get(String(id)) as { status: string; deposit: string; renter: string } | undefined;
    if (!row || row.status !== LEASE_STATUS[onChain.status] || row.deposit !== onChain.deposit.toString() || row.renter !== onChain.renter.toLowerCase()) {
      mismatches.push(`lease ${id}: chain ${LEASE_STATUS[onChain.status]}/${onChain.deposit}, db ${row?.status}/${row?.deposit}`);
    }
  }
  const dbProviders = await rows("select address, stake::text as stake from provider");
  for (const offer of offers) {
    const address = localAccount(offer.index).address;
    const onChain = await client.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "getProvider", args: [address] });
    const row = dbProviders.get(address.toLowerCase()) as { stake: string } | undefined;
    if (!row || row.stake !== onChain.stake.toString()) mismatches.push(`provider ${address}: chain stake ${onChain.stake}, db ${row?.stake}`);
  }
  const active = Number((await db.query<{ n: string }>("select count(*) as n from lease where status = 'Active'")).rows[0]!.n);
  await db.end();

  console.log(
    `\nbench:market — ${PROVIDERS} providers, ${RENTERS} renters, ${SEARCHERS} searchers, target ${TPS} tx/s for ${DURATION_S} s (${CHAIN === "hardhat" ? "Hardhat node, automine" : `anvil, ${MINING === "interval" ? "a block each second during the load" : "mixed mining"}`}; ${os.availableParallelism()} CPUs)`,
  );
  console.log(`| measure | value |\n|---|---|`);
  console.log(`| transactions mined during the load | ${transactions} in ${seconds.toFixed(0)} s = ${(transactions / seconds).toFixed(1)} tx/s |`);
  console.log(`| bookings / accepted / active leases at the end | ${bookings} / ${acceptLatency.length} / ${active} |`);
  console.log(`| indexer lag p50 / p95 | ${ms(percentile(lagMs, 50))} / ${ms(percentile(lagMs, 95))} |`);
  console.log(`| search API p50 / p95 (${searchLatency.length} requests) | ${ms(percentile(searchLatency, 50))} / ${ms(percentile(searchLatency, 95))} |`);
  console.log(`| booking → accepted p50 / p95 | ${ms(percentile(acceptLatency, 50))} / ${ms(percentile(acceptLatency, 95))} |`);
  console.log(`| errors (booking / search / service log lines) | ${bookErrors} / ${searchErrors} / ${errors.length} |`);
  for (const name of Object.keys(services))
    console.log(`| ${name}: CPU (CPU-ms per mined tx) / peak RSS | ${cpu[name] ?? "?"} / ${(rssPeak[name] ?? 0).toFixed(0)} MiB |`);
  console.log(`| bench (renters, searchers, samplers${rpcStats ? ", RPC counter" : ""}): CPU | ${cpu.bench} |`);
  for (const line of rpcLines) console.log(line);
  console.log(
    `| database = chain (offers, leases, provider stakes) | ${mismatches.length === 0 ? `equal (${nextOffer - 1n} offers, ${nextLease - 1n} leases, ${offers.length} providers)` : `${mismatches.length} differences`} |`,
  );
  console.log(`| load average during the run (1/5/15 min, per minute) | ${loadAverages.join("; ") || load()} |`);
  for (const line of [...mismatches.slice(0, 10), ...errors.slice(0, 10)]) console.log(`  ${line}`);
  if (mismatches.length) process.exitCode = 1;
} finally {
  await fleet?.stop().catch(() => undefined);
  for (const child of children) child.kill("SIGTERM");
  await rpcStats?.close();
  await node.stop();
  await postgres.stop();
}
