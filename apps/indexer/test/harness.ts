import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { deployGridlease } from "@gridlease/sdk/deploy";
import pg from "pg";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { Simulator } from "../src/simulate";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CHAIN_ID = 31337;
export const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface HardhatNode {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A real `hardhat node` child process on a free port (automine on). */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" },
  });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start: ${output.slice(-500)}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`hardhat node exited (${code}): ${output.slice(-500)}`)));
  });
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

export interface TestDatabase {
  adminUrl: string;
  /** Creates (and migrates) a fresh database in the cluster and returns its URL. */
  create(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gridlease-pg-"));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  return {
    adminUrl: server.url,
    async create(name: string) {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = server.url.replace(/\/gridlease$/, `/${name}`);
      await runMigrations(url);
      return url;
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function deployContracts(rpcUrl: string) {
  const walletClient = createWalletClient({ account: DEPLOYER, transport: http(rpcUrl) });
  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  const deployment = await deployGridlease({ walletClient: walletClient as never, publicClient: publicClient as never });
  const sim = new Simulator(rpcUrl, CHAIN_ID, { token: deployment.token.address, registry: deployment.registry.address, escrow: deployment.escrow.address });
  return { deployment, sim };
}

const DIGEST_TABLES: Record<string, string> = {
  provider: "address",
  offer: "offer_id",
  lease: "lease_id",
  dispute: "lease_id",
  offer_price_history: "tx_hash, log_index",
  raw_event: "block_number, log_index",
};

/** md5 of every row of every chain-derived table, ordered by key: equal digests ⇔ equal databases. */
export async function databaseDigest(url: string, chainId = CHAIN_ID): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const digest: Record<string, string> = {};
    for (const [table, order] of Object.entries(DIGEST_TABLES)) {
      const result = await client.query<{ digest: string; rows: number }>(
        `select md5(coalesce(string_agg(t::text, '|' order by ${order}), '')) as digest, count(*)::int as rows
         from ${table} t where chain_id = $1`, [chainId]);
      digest[table] = `${result.rows[0]!.rows}:${result.rows[0]!.digest}`;
    }
    return digest;
  } finally {
    await client.end();
  }
}
