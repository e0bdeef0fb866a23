// The local chain behind `npm start`: an anvil node whose state lives in a file under the data
// directory, so a second start finds every offer, lease, balance and dispute of the first, and whose
// blocks keep coming while it is idle, so its clock is the wall clock (deadlines the page shows are
// the ones the contracts enforce). Hardhat remains the compile/test toolchain.
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { anvilBinary } from "../../packages/sdk/src/local-chain";
import { log, rpcChainId, startProcess, stopProcess, waitFor, type ManagedProcess } from "./processes";

/**
 * How far in the past a fresh chain starts: the seed's history (bookings, then three hours of use
 * before leases complete) is laid out from there and ends at the wall clock, never ahead of it.
 */
export const SEEDED_SPAN_SECONDS = 3 * 3600;

/** Seconds between dumps of the state file while running, so a crash loses at most that much. */
const STATE_INTERVAL_SECONDS = 10;

/** Why a state file cannot be loaded, or null when it looks like one anvil wrote. */
export function stateFileProblem(file: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return `it is not valid JSON (${(error as Error).message.split("\n")[0]})`;
  }
  const state = parsed as { block?: unknown; accounts?: unknown; best_block_number?: unknown } | null;
  if (!state || typeof state !== "object" || !state.block || !state.accounts) return "it has no block or accounts";
  return null;
}

export interface LocalChain {
  /** True when this start created a new chain (no usable state file): deploy and seed it. */
  fresh: boolean;
  process: ManagedProcess;
  /**
   * After deploy and seed of a fresh chain: restart it from its state file with interval mining.
   * Deploy and seed run on an automining chain so that the contracts land in blocks 1-3 (the
   * addresses and deploy blocks recorded in deployments.generated.ts stay the same on every fresh
   * chain) and each seeded transaction sees the previous one; anvil cannot switch to mixed mining
   * at runtime, hence the restart.
   */
  startIntervalMining(): Promise<ManagedProcess>;
}

export async function startLocalChain(opts: { root: string; dataDir: string; port: number; chainId: number; logDir: string }): Promise<LocalChain> {
  const chainDir = join(opts.dataDir, "chain");
  mkdirSync(chainDir, { recursive: true });
  const stateFile = join(chainDir, "state.json");
  const rpcUrl = `http://127.0.0.1:${opts.port}`;
  const base = ["--host", "127.0.0.1", "--port", String(opts.port), "--chain-id", String(opts.chainId), "--accounts", "20", "--balance", "10000"];
  // Blocks every second while idle, and at once when a transaction arrives.
  const interval = ["--block-time", "1", "--mixed-mining", "--state", stateFile, "--state-interval", String(STATE_INTERVAL_SECONDS)];

  const launch = async (args: string[]) => {
    const proc = startProcess({ name: "chain", command: anvilBinary(opts.root), args: [...base, ...args], cwd: opts.root, env: {}, logDir: opts.logDir });
    await waitFor("Local chain (anvil) start", () => rpcChainId(rpcUrl).then(() => true), { timeoutMs: 60_000, process: proc });
    return proc;
  };
  const setAside = (reason: string) => {
    const aside = `${stateFile}.corrupt-${Date.now()}`;
    renameSync(stateFile, aside);
    log(`chain: the saved chain state ${stateFile} is unusable (${reason}); starting a fresh local chain (old file kept as ${aside}).`);
  };
  const startFresh = async (): Promise<LocalChain> => {
    // Genesis in the past; the seed brings the chain up to the wall clock (scripts/seed.ts).
    const genesis = Math.floor(Date.now() / 1000) - SEEDED_SPAN_SECONDS;
    // Written beside the real file and renamed once deploy and seed are done, so an interrupted
    // first start leaves no half-seeded chain behind to be continued.
    const pending = `${stateFile}.new`;
    const first = await launch(["--timestamp", String(genesis), "--dump-state", pending]);
    return {
      fresh: true,
      process: first,
      async startIntervalMining() {
        await catchUpWithWallClock(rpcUrl); // unseeded (SEED=0), the genesis would stay hours behind
        await stopProcess(first); // anvil writes the state file on SIGTERM
        renameSync(pending, stateFile);
        return launch(interval);
      },
    };
  };

  if (!existsSync(stateFile)) {
    log(`chain: no saved chain state in ${stateFile}; starting a fresh local chain.`);
    return startFresh();
  }
  const problem = stateFileProblem(stateFile);
  if (problem) {
    setAside(problem);
    return startFresh();
  }
  let proc: ManagedProcess;
  try {
    proc = await launch(interval);
  } catch (error) {
    // anvil refused a file that parses (a field it cannot read): same fallback.
    setAside(`anvil could not load it: ${(error as Error).message.split("\n").slice(-1)[0]}`);
    return startFresh();
  }
  log(`chain: continuing the local chain saved in ${stateFile}.`);
  return { fresh: false, process: proc, startIntervalMining: async () => proc };
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Seconds the chain's latest block is behind the wall clock (negative when ahead). */
export async function chainLag(url: string): Promise<number> {
  const block = await rpc<{ timestamp: string }>(url, "eth_getBlockByNumber", ["latest", false]);
  return Date.now() / 1000 - Number(BigInt(block.timestamp));
}

/** Mines one block at the wall clock's time when the chain is behind it. */
async function catchUpWithWallClock(url: string) {
  const lag = Math.floor(await chainLag(url));
  if (lag <= 1) return;
  await rpc(url, "evm_increaseTime", [lag]);
  await rpc(url, "evm_mine");
}
