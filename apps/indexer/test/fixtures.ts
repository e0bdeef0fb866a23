import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import pg from "pg";
import { startIndexer, type IndexerOptions, type RunningIndexer } from "../src/indexer";
import { buildMarket } from "../../../scripts/market/scenario";
import type { Simulator } from "../../../scripts/market/simulate";
import { CHAIN_ID, databaseDigest, DEPLOYER } from "./harness";

/** ~100 events of every kind; `accountOffset` picks fresh accounts so a chain can hold several rounds. */
export async function seedSmallMarket(sim: Simulator, seed = 11, accountOffset = 0) {
  return buildMarket(sim, {
    providerIndices: Array.from({ length: 10 }, (_, i) => 100 + accountOffset + i),
    renterIndices: [200, 201, 202, 203].map((i) => i + accountOffset),
    funder: DEPLOYER,
    arbiter: DEPLOYER,
    bookings: 10,
    seed,
  });
}

export function indexerOptions(databaseUrl: string, rpcUrl: string, deployment: GridleaseDeployment, extra: Partial<IndexerOptions> = {}): IndexerOptions {
  return { databaseUrl, rpcUrl, chainId: CHAIN_ID, deployment, port: null, pollIntervalMs: 50, log: () => undefined, ...extra };
}

/** Indexes the chain as it is now into `databaseUrl` from scratch and returns the digest. */
export async function cleanIndexDigest(databaseUrl: string, rpcUrl: string, deployment: GridleaseDeployment) {
  const indexer = await startIndexer(indexerOptions(databaseUrl, rpcUrl, deployment));
  await indexer.ready;
  await indexer.stop();
  return databaseDigest(databaseUrl);
}

export async function waitForBlock(indexer: RunningIndexer, block: bigint, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = indexer.status();
    if (status.error) throw new Error(status.error);
    if (status.indexedBlock !== null && BigInt(status.indexedBlock) === block) return;
    if (Date.now() > deadline) throw new Error(`indexer did not reach block ${block} (at ${status.indexedBlock})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rows of one query on its own connection (tests read the index the indexer wrote). */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
