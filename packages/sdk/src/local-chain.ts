// Node-only helpers for tests and benchmarks that need a real local chain. Not re-exported from the
// package index, which the browser bundle imports: import "@gridlease/sdk/local-chain".
import { spawn, type ChildProcess } from "node:child_process";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One JSON-RPC call to the node at `url` (test-only methods such as hardhat_setBalance included); its result. */
export async function nodeRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

export interface HardhatNode {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A real `hardhat node` (automine) started from the repo root on a free port, ready once it answers
 * JSON-RPC. It leads its own process group so `stop()` takes its children along. `chainId` (default
 * 31337) lets a test stand in for a chain other than the local one.
 */
export async function startHardhatNode(options: { timeoutMs?: number; chainId?: number } = {}): Promise<HardhatNode> {
  const port = await freePort();
  // `hardhat node` compiles first; on a fresh clone solcjs alone takes a while.
  return startJsonRpcNode(
    "hardhat node",
    port,
    path.join(REPO_ROOT, "node_modules/.bin/hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: "", HARDHAT_CHAIN_ID: String(options.chainId ?? 31337) },
      timeoutMs: options.timeoutMs ?? 150_000,
      pollMs: 200,
    },
  );
}

/**
 * Spawns a chain node listening on 127.0.0.1:`port` and waits until it answers eth_chainId. The node
 * leads its own process group so `stop()` takes its children along; stderr is kept for the errors.
 */
async function startJsonRpcNode(
  name: string,
  port: number,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; pollMs: number },
): Promise<HardhatNode> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, args, {
    cwd: options.cwd, // undefined: this process's folder and environment, as spawn does without them
    env: options.env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
  };
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr.slice(-500)}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
      });
      if (response.ok) return { url, port, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  await stop();
  throw new Error(`${name} did not start within ${options.timeoutMs / 1000} s: ${stderr.slice(-500)}`);
}

/**
 * The anvil binary of this platform's package (`@foundry-rs/anvil`, a root devDependency). Run
 * directly rather than through the npm wrapper (bin.mjs), which forwards signals itself: a SIGTERM to
 * the process group would reach anvil twice while it writes its state file.
 */
export function anvilBinary(root = REPO_ROOT): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  try {
    // From the package's real folder: pnpm keeps its platform package beside it, not in the root node_modules.
    const require = createRequire(realpathSync(path.join(root, "node_modules/@foundry-rs/anvil/package.json")));
    return require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/anvil`);
  } catch {
    return path.join(root, "node_modules/.bin/anvil");
  }
}

/**
 * A real anvil node like the one `npm start` runs (scripts/stack/chain.ts): chain 31337, the Hardhat
 * mnemonic's first 20 accounts, a block every `blockTime` seconds while idle and at once for each
 * transaction, so its clock follows the wall clock.
 */
export async function startAnvilNode(options: { blockTime?: number; timeoutMs?: number } = {}): Promise<HardhatNode> {
  const port = await freePort();
  return startJsonRpcNode(
    "anvil",
    port,
    anvilBinary(),
    [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--chain-id",
      "31337",
      "--accounts",
      "20",
      "--block-time",
      String(options.blockTime ?? 1),
      "--mixed-mining",
    ],
    {
      timeoutMs: options.timeoutMs ?? 30_000,
      pollMs: 100,
    },
  );
}
