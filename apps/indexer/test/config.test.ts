import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, REPO_ROOT, useTestPostgres } from "./harness";

/**
 * Runs the indexer's entry point to its exit. Asynchronous on purpose: this process also runs the test
 * PostgreSQL and drains its log pipe; a spawnSync blocked that for the child's whole run, and the
 * server stalled writing its log while the child waited on it (seen in CI: no output, killed at 60 s).
 */
async function runMain(env: Record<string, string>) {
  const started = Date.now();
  const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/tsx"), ["apps/indexer/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  // Everything the child said, for the assertion message when it did not exit as expected.
  const said = `after ${Date.now() - started} ms; signal ${signal ?? "none"}; stdout: ${stdout.trim().slice(-1500)}; stderr: ${stderr.trim().slice(-1500)}`;
  return { code, stderr: stderr.trim(), said };
}

const postgres = useTestPostgres();

describe("indexer configuration errors", () => {
  it("exits with one sentence for a bad DATABASE_URL, an unreachable database and an unreachable node", async () => {
    const bad = await runMain({ DATABASE_URL: "mysql://nope", RPC_URL: "http://127.0.0.1:1" });
    expect(bad.code, bad.said).toBe(1);
    expect(bad.stderr).toBe("Bad indexer configuration: DATABASE_URL must be a postgresql:// URL.");

    const port = await freePort();
    const noDb = await runMain({ DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${port}/gridlease`, RPC_URL: "http://127.0.0.1:1" });
    expect(noDb.code, noDb.said).toBe(1);
    expect(noDb.stderr).toBe(`Cannot reach PostgreSQL at 127.0.0.1:${port} (connection refused). Check DATABASE_URL.`);

    const url = await postgres().create("config");
    // Port 1, not a "free" port: test files run in parallel, and a Hardhat node another file starts can
    // take a port found free a moment earlier; the indexer then indexed it instead of failing (seen in CI).
    const rpcPort = 1;
    const noNode = await runMain({ DATABASE_URL: url, RPC_URL: `http://127.0.0.1:${rpcPort}`, INDEXER_PORT: "0" });
    expect(noNode.code, noNode.said).toBe(1);
    expect(noNode.stderr).toBe(`Cannot reach an Ethereum node at http://127.0.0.1:${rpcPort}; check RPC_URL and that the node is running.`);
  });
});
