import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { deployGridlease } from "@gridlease/sdk/deploy";
import pg from "pg";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { afterAll, beforeAll } from "vitest";
import { Simulator } from "../../../scripts/market/simulate";
import { freePort, REPO_ROOT, startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";

export { freePort, REPO_ROOT, startHardhatNode, type HardhatNode };

export const CHAIN_ID = 31337;
export const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export interface TestDatabase {
  adminUrl: string;
  /** Creates (and migrates) a fresh database in the cluster and returns its URL. */
  create(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestDatabase> {
  const server = await startTempPostgres();
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
    },
  };
}

/** Registers the suite's beforeAll/afterAll for one PostgreSQL cluster; the getter answers once beforeAll has run. */
export function useTestPostgres(): () => TestDatabase {
  let postgres: TestDatabase | undefined;
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });
  return () => postgres!;
}

export async function deployContracts(rpcUrl: string) {
  const walletClient = createWalletClient({ account: DEPLOYER, transport: http(rpcUrl) });
  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  const deployment = await deployGridlease({ walletClient: walletClient as never, publicClient: publicClient as never });
  const sim = new Simulator(rpcUrl, CHAIN_ID, {
    token: deployment.token.address,
    registry: deployment.registry.address,
    escrow: deployment.escrow.address,
    liveness: deployment.liveness.address,
  });
  return { deployment, sim };
}

export type DeployedChain = { node: HardhatNode; postgres: TestDatabase } & Awaited<ReturnType<typeof deployContracts>>;

/**
 * Registers the suite's beforeAll/afterAll: a Hardhat node and a PostgreSQL cluster started side by
 * side, the contracts deployed, then `seed` run. The fields are filled once beforeAll has run, so
 * read them inside tests and hooks, not at module level.
 */
export function useDeployedChain(seed?: (sim: Simulator) => Promise<unknown>): DeployedChain {
  const chain = {} as DeployedChain;
  beforeAll(async () => {
    [chain.node, chain.postgres] = await Promise.all([startHardhatNode(), startTestPostgres()]);
    Object.assign(chain, await deployContracts(chain.node.url));
    await seed?.(chain.sim);
  });
  afterAll(async () => {
    await Promise.all([chain.node?.stop(), chain.postgres?.stop()]);
  });
  return chain;
}

const DIGEST_TABLES: Record<string, string> = {
  provider: "address",
  offer: "offer_id",
  lease: "lease_id",
  dispute: "lease_id",
  lease_outage: "outage_id",
  reporter_approval: "approval_id",
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
         from ${table} t where chain_id = $1`,
        [chainId],
      );
      digest[table] = `${result.rows[0]!.rows}:${result.rows[0]!.digest}`;
    }
    return digest;
  } finally {
    await client.end();
  }
}
