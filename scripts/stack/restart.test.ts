// `npm start` twice on one data directory: the second start continues the local chain of the first
// (same leases, balances and search results, indexer from its cursor), its clock is the wall clock,
// and a corrupt state file falls back to a fresh chain with one line saying so. Runs the real
// orchestrator (anvil, embedded PostgreSQL, deploy, seed, indexer) with WEB=0 on free ports.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { createPublicClient, createWalletClient, defineChain, http, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { leaseEscrowAbi, mockUsdcAbi } from "../../packages/sdk/src/contracts.generated";
import { getDeployment } from "../../packages/sdk/src/deployments.generated";
import { freePort } from "../../packages/sdk/src/local-chain";
import { HARDHAT_MNEMONIC } from "../../packages/sdk/src/protocol";
import { searchOffers } from "../../packages/db/src/search";
import { leaseListQuerySchema, listLeases } from "../../packages/db/src/queries";

const ROOT = resolve(__dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "gridlease-restart-test-"));
const MNEMONIC = HARDHAT_MNEMONIC;
const START_TIMEOUT_MS = 420_000;

interface Stack {
  child: ChildProcess;
  output: () => string;
  seconds: number;
  stop(): Promise<number | null>;
}

/** Starts scripts/stack.ts and resolves once it says it is ready. */
function startStack(env: Record<string, string>): Promise<Stack> {
  const started = Date.now();
  // WEB=0 stops after the indexer, before the provider fleet: no agent acts on the test's lease
  // between the two starts, so what the first start leaves is exactly what the second must find.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts"], {
    cwd: ROOT,
    env: { ...process.env, GRIDLEASE_DATA_DIR: dataDir, GRIDLEASE_BOOTSTRAP_STARTED: String(started), WEB: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGINT");
    return exited;
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => void stop().then(() => rej(new Error(`stack not ready in time:\n${output.slice(-3000)}`))), START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      output += d;
      if (/\] ready without the web app/.test(output)) {
        clearTimeout(timer);
        res({ child, output: () => output, seconds: (Date.now() - started) / 1000, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`stack exited (${code}) before it was ready:\n${output.slice(-3000)}`));
    });
  });
}

async function ports() {
  return { WEB_PORT: String(await freePort()), RPC_PORT: String(await freePort()), PG_PORT: String(await freePort()), INDEXER_PORT: String(await freePort()) };
}

const chain = (rpcUrl: string) =>
  defineChain({ id: 31337, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });

/** Seconds the newest block is behind the wall clock. */
async function chainLag(rpcUrl: string) {
  const block = await createPublicClient({ chain: chain(rpcUrl), transport: http(rpcUrl) }).getBlock({ blockTag: "latest" });
  return Date.now() / 1000 - Number(block.timestamp);
}

/** What a user would find again: balances on chain, their leases and a search as the indexer serves them. */
async function snapshot(rpcUrl: string, databaseUrl: string, renter: Address) {
  const client = createPublicClient({ chain: chain(rpcUrl), transport: http(rpcUrl) });
  const deployment = getDeployment(31337);
  const usdc = (owner: Address) => client.readContract({ address: deployment.token.address, abi: mockUsdcAbi, functionName: "balanceOf", args: [owner] });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const search = await searchOffers({ chainId: 31337, sort: "price", limit: 100, ...{ online: "any" } }, db);
    const counts = await db.query<{ leases: string; disputes: string }>(
      "select (select count(*) from lease) as leases, (select count(*) from dispute) as disputes",
    );
    return {
      renterUsdc: (await usdc(renter)).toString(),
      escrowUsdc: (await usdc(deployment.escrow.address)).toString(),
      nextLeaseId: (await client.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "nextLeaseId" })).toString(),
      renterLeases: (await listLeases(leaseListQuerySchema.parse({ chainId: 31337, renter, limit: 25 }), db)).leases.map((l) => ({
        id: l.leaseId,
        offer: l.offerId,
        status: l.status,
        deposit: l.deposit,
      })),
      indexed: counts.rows[0],
      offers: search.offers.map((o) => ({
        id: o.offerId,
        provider: o.provider,
        gpu: o.gpuModel,
        free: o.freeUnits,
        price: o.pricePerGpuHour,
        status: o.status,
      })),
    };
  } finally {
    await db.end();
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const ok = await probe().catch((error: unknown) => {
      last = error;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`);
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("npm start twice on the same data directory", () => {
  it("keeps leases, balances and search results, with the chain clock on the wall clock", { timeout: 2 * START_TIMEOUT_MS + 60_000 }, async () => {
    const env = await ports();
    const rpcUrl = `http://127.0.0.1:${env.RPC_PORT}`;
    const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${env.PG_PORT}/gridlease`;
    const first = await startStack(env);
    let before: Awaited<ReturnType<typeof snapshot>>;
    const renter = mnemonicToAccount(MNEMONIC, { addressIndex: 17 });
    try {
      expect(first.output()).toContain("starting a fresh local chain");
      // The seeded history ends at "now", not hours ahead, and blocks keep coming while idle.
      expect(Math.abs(await chainLag(rpcUrl))).toBeLessThan(5);

      // A renter books the cheapest offer the search shows.
      const deployment = getDeployment(31337);
      const wallet = createWalletClient({ account: renter, chain: chain(rpcUrl), transport: http(rpcUrl) });
      const client = createPublicClient({ chain: chain(rpcUrl), transport: http(rpcUrl) });
      const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      const offer = (await searchOffers({ chainId: 31337, sort: "price", limit: 1, ...{ online: "any" } }, db)).offers[0]!;
      await db.end();
      for (const request of [
        { address: deployment.token.address, abi: mockUsdcAbi, functionName: "faucet", args: [renter.address, 1_000_000_000n] },
        { address: deployment.token.address, abi: mockUsdcAbi, functionName: "approve", args: [deployment.escrow.address, 1_000_000_000n] },
        { address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "book", args: [BigInt(offer.offerId), 1, 1, 1_000_000_000n, "0x1234"] },
      ] as const) {
        const hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
        expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
      }
      await waitUntil("the indexer seeing the booking", async () => (await snapshot(rpcUrl, databaseUrl, renter.address)).renterLeases.length === 1);
      before = await snapshot(rpcUrl, databaseUrl, renter.address);
      expect(before.offers.length).toBeGreaterThan(10);
      expect(Number(before.indexed!.disputes)).toBeGreaterThan(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startStack(env);
    try {
      const out = second.output();
      console.log(`first start ${first.seconds.toFixed(1)} s, second start ${second.seconds.toFixed(1)} s (WEB=0)`);
      expect(out).toContain("continuing the local chain saved in");
      expect(out).toContain("contracts: reusing deployment");
      expect(out).toContain("seed: skipped (saved chain)");
      expect(out).not.toMatch(/re-indexing from scratch/);
      expect(await snapshot(rpcUrl, databaseUrl, renter.address)).toEqual(before!);
      expect(Math.abs(await chainLag(rpcUrl))).toBeLessThan(5);
      // Idle: no transaction for a few seconds, and the clock still follows the wall clock.
      await new Promise((r) => setTimeout(r, 4000));
      expect(Math.abs(await chainLag(rpcUrl))).toBeLessThan(5);
      expect(second.seconds).toBeLessThan(30);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it("falls back to a fresh chain with one line when the state file is corrupt, and re-indexes it", { timeout: START_TIMEOUT_MS + 60_000 }, async () => {
    writeFileSync(join(dataDir, "chain", "state.json"), '{"block": {"number": "0x1"'); // cut short, as by a crash mid-write
    const env = await ports();
    const stack = await startStack({ ...env, SEED: "0" });
    try {
      const lines = stack
        .output()
        .split("\n")
        .filter((l) => /state\.json is unusable/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/is unusable \(it is not valid JSON .*\); starting a fresh local chain/);
      expect(stack.output()).toMatch(/new chain or deployment .* re-indexing from scratch/);
      const db = new pg.Pool({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${env.PG_PORT}/gridlease`, max: 1 });
      expect((await db.query("select count(*)::int as n from lease")).rows[0].n).toBe(0);
      await db.end();
      expect(Math.abs(await chainLag(`http://127.0.0.1:${env.RPC_PORT}`))).toBeLessThan(5);
    } finally {
      expect(await stack.stop()).toBe(0);
    }
  });
});
