import { spawn } from "node:child_process";
import { freePort, startHardhatNode, type HardhatNode } from "../../packages/sdk/src/local-chain";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "gridlease-stack-test-"));

/** Runs the orchestrator to completion and returns what it printed. */
function runStack(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts"], {
      cwd: ROOT,
      env: { ...process.env, GRIDLEASE_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      res({ code, output });
    });
  });
}

async function ports() {
  return { WEB_PORT: String(await freePort()), RPC_PORT: String(await freePort()), PG_PORT: String(await freePort()), INDEXER_PORT: String(await freePort()) };
}

function expectOneSentence(output: string) {
  const errorLines = output.split("\n").filter((l) => l.includes("[gridlease] error:"));
  expect(errorLines).toHaveLength(1);
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace
  return errorLines[0];
}

describe("npm start with bad configuration", () => {
  let hardhat: HardhatNode;
  let rpcPort: number;

  beforeAll(async () => {
    hardhat = await startHardhatNode();
    rpcPort = hardhat.port;
  });

  afterAll(async () => {
    await hardhat?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("says in a sentence that an unreachable DATABASE_URL cannot be reached", async () => {
    const dead = await freePort();
    const { code, output } = await runStack({
      ...(await ports()),
      DATABASE_URL: `postgresql://gridlease:secret@127.0.0.1:${dead}/gridlease`,
      RPC_URL: `http://127.0.0.1:${rpcPort}`,
      CHAIN_ID: "31337",
    });
    expect(code).toBe(1);
    const line = expectOneSentence(output);
    expect(line).toContain(`127.0.0.1:${dead}`);
    expect(line).toMatch(/DATABASE_URL/);
  });

  it("says in a sentence that the RPC is on another chain id than CHAIN_ID", async () => {
    const { code, output } = await runStack({ ...(await ports()), RPC_URL: `http://127.0.0.1:${rpcPort}`, CHAIN_ID: "8453" });
    expect(code).toBe(1);
    expect(expectOneSentence(output)).toContain("is on chain id 31337, but CHAIN_ID is 8453");
  });

  it("says in a sentence that a port is already in use", async () => {
    const env = await ports();
    const blocker = net.createServer().listen(Number(env.WEB_PORT), "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    try {
      const { code, output } = await runStack(env);
      expect(code).toBe(1);
      expect(expectOneSentence(output)).toContain(`Port ${env.WEB_PORT} (web app) is already in use`);
    } finally {
      blocker.close();
    }
  });

  it("names the variable when a setting is malformed", async () => {
    const { code, output } = await runStack({ ...(await ports()), WEB_PORT: "eighty" });
    expect(code).toBe(1);
    expect(expectOneSentence(output)).toContain("WEB_PORT");
  });
});
