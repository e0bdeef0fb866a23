import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "../src/embedded";
import { freePort } from "@gridlease/sdk/local-chain";

export { freePort };


/** A real PostgreSQL in a temp directory on a free port, removed again by `stop`. */
export async function startTempPostgres(): Promise<RunningPostgres & { dataDir: string; port: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gridlease-db-test-"));
  const port = await freePort();
  const server = await startEmbeddedPostgres({ dataDir, port });
  return {
    ...server, dataDir, port,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
