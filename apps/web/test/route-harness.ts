import { closeDatabaseClients } from "@gridlease/db/client";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";

/** Calls Next route handlers in-process with real Request objects (no server, no mocks of our own code). */
export const HOST = "127.0.0.1:3100";
export const ORIGIN = `http://${HOST}`;
// The harness plays the site at ORIGIN, so that is the public origin sign-in messages must name.
process.env.PUBLIC_ORIGIN ??= ORIGIN;

export type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export function call(handler: Handler, init: { method?: string; path?: string; body?: string; headers?: Record<string, string> } = {}) {
  const request = new Request(`${ORIGIN}${init.path ?? "/"}`, {
    method: init.method ?? "GET",
    body: init.body,
    headers: { host: HOST, ...init.headers },
  });
  return handler(request, { params: Promise.resolve({}) });
}

/** Route modules read the limits from the environment when they load: lift them for property tests. */
export function relaxRateLimits() {
  process.env.API_RATE_LIMIT_PER_SECOND = "100000";
  process.env.API_RATE_LIMIT_BURST = "100000";
  process.env.API_WRITE_RATE_LIMIT_PER_SECOND = "100000";
  process.env.API_WRITE_RATE_LIMIT_BURST = "100000";
}

export const TEST_CHAIN_ID = 31337;

/**
 * A temp PostgreSQL with the migrations and `offers` synthetic offers on TEST_CHAIN_ID, set as
 * DATABASE_URL/CHAIN_ID for the route modules; `stop` closes the app's database clients, then the server.
 */
export async function startMarketDatabase(offers: number, seed: number, prefix = "gridlease-web-test-") {
  const postgres = await startTempPostgres(prefix);
  await runMigrations(postgres.url);
  process.env.DATABASE_URL = postgres.url;
  process.env.CHAIN_ID = String(TEST_CHAIN_ID);
  await insertSyntheticOffers({ chainId: TEST_CHAIN_ID, count: offers, seed });
  return {
    url: postgres.url,
    async stop() {
      await closeDatabaseClients();
      await postgres.stop();
    },
  };
}

/**
 * What the indexer writes in production before a signed provider request can be accepted: the
 * deployment's cursor (its registry) and a provider row for `provider`, copied from a seeded one.
 */
export async function seedDeploymentAndProvider(db: { query: (text: string, values: unknown[]) => Promise<unknown> }, registry: string, provider: string) {
  await db.query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
     values ($1, $2, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512', 1, '0xaa', 100, '0xbb', 90)`,
    [TEST_CHAIN_ID, registry.toLowerCase()],
  );
  await db.query(
    `insert into provider select chain_id, $1, status, stake, pending_unstake, unstake_available_at, total_slashed, encryption_key,
       metadata_uri, registered_block, 0, 0, 0, 0, 0, 0, 0, 0, earnings_net, 0, updated_block, finalized
     from provider where chain_id = $2 limit 1`,
    [provider.toLowerCase(), TEST_CHAIN_ID],
  );
}
