/**
 * `pnpm bench:notify`: event → delivered latency of the notifier on a local chain, and its RSS.
 *
 * Real parts end to end, as `npm start` runs them: a Hardhat node (automine) with the contracts, embedded
 * PostgreSQL, the indexer's production bundle as its own process, the notifier's bundle as its own process
 * (default settings) and a webhook receiver plus an SMTP server in this process. Every
 * provider and renter subscribes a webhook and an email address (SMTP) to every kind.
 * Latency: from the booking transaction's receipt (the event is on chain) to the provider's webhook
 * arriving. Phase 1 books one lease every BENCH_PACE_MS; phase 2 sends BENCH_BURST bookings at once.
 *
 * Env: BENCH_PACED (default 100), BENCH_PACE_MS (250), BENCH_BURST (100).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { deployGridlease } from "@gridlease/sdk/deploy";
import { freePort, startHardhatNode } from "@gridlease/sdk/local-chain";
import { NOTIFICATION_KINDS } from "@gridlease/sdk/notifications";
import { bundleIndexer, INDEXER_NODE_FLAGS } from "../../indexer/src/bundle";
import { encryptionKeyFor, offerSpec, Simulator, USDC } from "../../../scripts/market/simulate";
import { bundleNotifier } from "../src/bundle";
import { query, startSmtpSink, startWebhookReceiver, subscribe, waitUntil } from "../test/helpers";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const PACED = Number(process.env.BENCH_PACED ?? 100);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 250);
const BURST = Number(process.env.BENCH_BURST ?? 100);
const PROVIDERS = Array.from({ length: 10 }, (_, i) => 300 + i);
const RENTERS = Array.from({ length: 8 }, (_, i) => 400 + i);

const log = (line: string) => console.log(`[bench:notify] ${line}`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  // A process that is exiting has no VmRSS line any more.
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

let stopping = false;
function startChild(name: string, command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      const error = new Error(`${name} exited (${code}):\n${output.slice(-3000)}`);
      if (!stopping) console.error(`[bench:notify] ${error.message}`);
      reject(error);
    });
  });
}

async function main() {
  log(`load average before: ${load()}`);
  const [node, pg] = await Promise.all([startHardhatNode(), startTempPostgres("gridlease-bench-notify-")]);
  const children: ChildProcess[] = [];
  const receiver = await startWebhookReceiver();
  const smtp = await startSmtpSink();
  try {
    await runMigrations(pg.url);
    const walletClient = createWalletClient({ account: DEPLOYER, transport: http(node.url) });
    const publicClient = createPublicClient({ transport: http(node.url) });
    const deployment = await deployGridlease({ walletClient: walletClient as never, publicClient: publicClient as never });
    const sim = new Simulator(node.url, 31337, { token: deployment.token.address, registry: deployment.registry.address, escrow: deployment.escrow.address });

    log("registering 10 providers with 3 offers of 8 GPUs each, funding 8 renters");
    await sim.fund([...PROVIDERS, ...RENTERS], 100_000n, DEPLOYER);
    const offers: { id: bigint; price: bigint }[] = [];
    let nextOfferId = 1n;
    for (const index of PROVIDERS) {
      const provider = sim.account(index);
      await sim.send(provider, "token", "approve", [deployment.registry.address, 10_000n * USDC]);
      await sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(index), `ipfs://bench/${index}`]);
      for (let k = 0; k < 3; k++) {
        const price = 2n * USDC;
        await sim.send(provider, "registry", "listOffer", [
          offerSpec({
            gpuModel: "H100-SXM",
            gpuCount: 8,
            vramGb: 80,
            cpuCores: 192,
            ramGb: 1920,
            diskGb: 4500,
            bandwidthMbps: 10000,
            region: "eu-west",
            pricePerGpuHour: price,
            minHours: 1,
            maxHours: 720,
          }),
        ]);
        offers.push({ id: nextOfferId++, price });
      }
    }
    for (const index of RENTERS) await sim.send(sim.account(index), "token", "approve", [deployment.escrow.address, 10n ** 15n]);
    for (const index of [...PROVIDERS, ...RENTERS]) {
      await subscribe(pg.url, {
        wallet: sim.account(index).address,
        channel: "webhook",
        target: receiver.url,
        kinds: [...NOTIFICATION_KINDS],
        secret: `bench-${index}`,
      });
    }
    // Everyone also subscribes an email address: each booking is a webhook and an email to its provider.
    for (const index of [...PROVIDERS, ...RENTERS])
      await subscribe(pg.url, { wallet: sim.account(index).address, channel: "email", target: `wallet${index}@example.test`, kinds: [...NOTIFICATION_KINDS] });

    const chainEnv = { DATABASE_URL: pg.url, RPC_URL: node.url, CHAIN_ID: "31337" };
    const indexerPort = await freePort();
    const bundle = await bundleIndexer();
    children.push(
      await startChild(
        "indexer",
        process.execPath,
        [...INDEXER_NODE_FLAGS, bundle],
        {
          ...chainEnv,
          INDEXER_PORT: String(indexerPort),
          REGISTRY_ADDRESS: deployment.registry.address,
          ESCROW_ADDRESS: deployment.escrow.address,
          DEPLOY_BLOCK: String(Math.min(Number(deployment.registry.deployBlock), Number(deployment.escrow.deployBlock))),
        },
        /health on/,
      ),
    );
    // The notifier as `npm start` runs it: its esbuild bundle, no tsx.
    const notifier = await startChild(
      "notifier",
      process.execPath,
      [await bundleNotifier()],
      {
        ...chainEnv,
        SMTP_URL: smtp.url,
        PUBLIC_ORIGIN: "http://127.0.0.1:3000",
        TOP_UP_KEEPER: "0",
      },
      /\[notifier\] ready/,
    );
    children.push(notifier);
    const rssIdle = rssMb(notifier.pid!);
    let rssPeak = rssIdle;
    const sampler = setInterval(() => {
      if (notifier.exitCode === null) rssPeak = Math.max(rssPeak, rssMb(notifier.pid!));
    }, 200);

    let booked = 0;
    const bookedAt = new Map<string, number>(); // lease id → receipt time
    const nextLease = async () =>
      BigInt(
        await sim.publicClient.readContract({
          address: deployment.escrow.address,
          abi: [{ type: "function", name: "nextLeaseId", inputs: [], outputs: [{ type: "uint256" }], stateMutability: "view" }],
          functionName: "nextLeaseId",
        }),
      );
    let leaseId = await nextLease();
    const book = async (i: number) => {
      const offer = offers[i % offers.length]!;
      const id = leaseId++;
      await sim.send(sim.account(RENTERS[i % RENTERS.length]!), "escrow", "book", [offer.id, 1, 1, offer.price, "0x01"]);
      bookedAt.set(id.toString(), Date.now());
      booked++;
    };
    const latencies = (ids: string[]) => {
      const delivered = receiver.hits.filter((h) => h.json.kind === "booked" && h.status === 200);
      const byLease = new Map(delivered.map((h) => [String(h.json.data.leaseId), h.receivedAt]));
      return ids.map((id) => byLease.get(id)! - bookedAt.get(id)!).sort((a, b) => a - b);
    };
    /** The provider's "Lease #N booked" email, received by the SMTP server. */
    const emailLatencies = (ids: string[]) => {
      const byLease = new Map(smtp.mails.map((m) => [/Lease #(\d+) booked/.exec(m.subject)?.[1], m.receivedAt]));
      return ids.map((id) => byLease.get(id)! - bookedAt.get(id)!).sort((a, b) => a - b);
    };
    const bookedEmails = () => smtp.mails.filter((m) => / booked/.test(m.subject)).length;

    log(`phase 1: ${PACED} bookings, one every ${PACE_MS} ms`);
    const firstPaced = leaseId;
    const loadDuring: string[] = [];
    for (let i = 0; i < PACED; i++) {
      await book(i);
      if (i % 25 === 0) loadDuring.push(load());
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    const pacedIds = Array.from({ length: PACED }, (_, k) => (firstPaced + BigInt(k)).toString());
    await waitUntil("every paced booking's webhook", () => receiver.hits.filter((h) => h.json.kind === "booked").length >= PACED, 120_000);
    await waitUntil("every paced booking's email", () => bookedEmails() >= PACED, 120_000);
    const paced = latencies(pacedIds);
    const pacedEmail = emailLatencies(pacedIds);

    log(`phase 2: ${BURST} bookings sent at once`);
    const firstBurst = leaseId;
    // Nonces per renter are serialized by the Simulator; renters book in parallel.
    await Promise.all(Array.from({ length: BURST }, (_, i) => book(PACED + i)));
    loadDuring.push(load());
    const burstIds = Array.from({ length: BURST }, (_, k) => (firstBurst + BigInt(k)).toString());
    await waitUntil("every burst booking's webhook", () => receiver.hits.filter((h) => h.json.kind === "booked").length >= PACED + BURST, 180_000);
    await waitUntil("every burst booking's email", () => bookedEmails() >= PACED + BURST, 180_000);
    const burst = latencies(burstIds);
    const burstEmail = emailLatencies(burstIds);
    clearInterval(sampler);
    const rssEnd = rssMb(notifier.pid!);

    // Where the time goes: the outbox row is written in the indexer's transaction, so its timestamp is
    // when the event became known to PostgreSQL (same machine clock as Date.now()).
    const indexed = new Map(
      (
        await query<{ lease: string; at: Date }>(pg.url, `select args->>'leaseId' as lease, created_at as at from notify_outbox where name = 'LeaseBooked'`)
      ).map((r) => [r.lease, r.at.getTime()]),
    );
    const split = (ids: string[]) => {
      const toIndexed = ids.map((id) => indexed.get(id)! - bookedAt.get(id)!).sort((a, b) => a - b);
      return `receipt → indexed p50 ${pct(toIndexed, 50)} ms / p95 ${pct(toIndexed, 95)} ms`;
    };
    log(`paced: ${split(pacedIds)}; burst: ${split(burstIds)}`);
    const statuses = await query<{ status: string; n: number }>(pg.url, `select status, count(*)::int as n from notify_message group by status`);
    const dupes = [...receiver.delivered().values()].filter((h) => h.length > 1).length;
    const fmt = (xs: number[]) => `p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, max ${xs.at(-1)} ms (n=${xs.length})`;
    log(`webhook, paced (1 booking / ${PACE_MS} ms): ${fmt(paced)}`);
    log(`webhook, burst (${BURST} at once): ${fmt(burst)}`);
    log(`email, paced: ${fmt(pacedEmail)}; email, burst: ${fmt(burstEmail)}`);
    log(`notifier RSS: ${rssIdle.toFixed(0)} MB idle after start, peak ${rssPeak.toFixed(0)} MB, ${rssEnd.toFixed(0)} MB at the end`);
    log(
      `messages: ${statuses.map((s) => `${s.status} ${s.n}`).join(", ")}; webhooks received twice: ${dupes}; emails: ${smtp.mails.length}; bookings: ${booked}`,
    );
    log(`load average during: ${loadDuring.join(" | ")}; after: ${load()}`);
  } finally {
    stopping = true;
    for (const child of children.reverse()) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    }
    await receiver.stop();
    await smtp.stop();
    await Promise.all([node.stop(), pg.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[bench:notify] error: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
