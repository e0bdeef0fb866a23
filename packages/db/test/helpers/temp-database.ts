import { afterAll, beforeAll } from "vitest";
import { closeDatabaseClients } from "../../src/client";
import { startTempPostgres } from "../../src/embedded";
import { runMigrations } from "../../src/migrate";

/**
 * A migrated temp PostgreSQL for one test file: started before its tests (DATABASE_URL points at it,
 * so getPool() and getPrisma() use it), `setup` run on it, clients closed and the server stopped after.
 * Returns a getter for its URL. `timeoutMs` bounds the start and `setup` together.
 */
export function useTempDatabase(prefix: string, setup: () => Promise<void> = async () => {}, timeoutMs = 120_000): () => string {
  let server: Awaited<ReturnType<typeof startTempPostgres>> | undefined;
  beforeAll(async () => {
    server = await startTempPostgres(prefix);
    await runMigrations(server.url);
    process.env.DATABASE_URL = server.url;
    await setup();
  }, timeoutMs);
  afterAll(async () => {
    await closeDatabaseClients();
    await server?.stop();
  });
  return () => server!.url;
}
