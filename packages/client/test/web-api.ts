/**
 * The real API for client and CLI tests: a temp PostgreSQL (migrated, with synthetic offers) and the
 * web app's production dispatch (apps/web/http/dispatch.ts, API lane + routes) in its own process
 * (apps/web/test/fixtures/dispatch-server.ts), reached over TCP.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { closeDatabaseClients } from "@gridlease/db/client";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";

const WEB_DIR = path.resolve(import.meta.dirname, "../../../apps/web");

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

  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/dispatch-server.ts"], {
    cwd: WEB_DIR,
    env: { ...process.env, DATABASE_URL: postgres.url, CHAIN_ID: String(chainId), RPC_URL: "http://127.0.0.1:9", API_RATE_LIMIT_BURST: "100000", API_RATE_LIMIT_PER_SECOND: "100000", ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /listening (\d+)/.exec(output);
    if (match) {
      return {
        baseUrl: `http://127.0.0.1:${match[1]}`,
        databaseUrl: postgres.url,
        async stop() {
          child.kill("SIGTERM");
          await postgres.stop();
        },
      };
    }
  }
  await postgres.stop();
  throw new Error(`the web API exited before listening:\n${output}`);
}
