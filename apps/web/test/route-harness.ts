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
