/**
 * The real API for client and CLI tests: a temp PostgreSQL (migrated, with synthetic offers) and the
 * web app's production dispatch (apps/web/http/dispatch.ts, API lane + routes) in its own process
 * (apps/web/test/fixtures/dispatch-server.ts), reached over TCP.
 */
import { closeDatabaseClients } from "@gridlease/db/client";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";
import { startDispatchServer } from "../../../apps/web/test/dispatch-server-process";

export interface WebApi {
  baseUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startWebApi(options: { offers?: number; chainId?: number; env?: Record<string, string> } = {}): Promise<WebApi> {
  const chainId = options.chainId ?? 31337;
  const postgres = await startTempPostgres("gridlease-client-");
  await runMigrations(postgres.url);
  const previous = process.env.DATABASE_URL;
  process.env.DATABASE_URL = postgres.url;
  await insertSyntheticOffers({ chainId, count: options.offers ?? 200, seed: 0.42 });
  await closeDatabaseClients();
  if (previous === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previous;

  try {
    // The web app's own test launcher of the dispatch server, with this database.
    const server = await startDispatchServer({
      DATABASE_URL: postgres.url,
      CHAIN_ID: String(chainId),
      RPC_URL: "http://127.0.0.1:9",
      API_RATE_LIMIT_BURST: "100000",
      API_RATE_LIMIT_PER_SECOND: "100000",
      ...options.env,
    });
    return {
      baseUrl: `http://127.0.0.1:${server.port}`,
      databaseUrl: postgres.url,
      async stop() {
        server.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
