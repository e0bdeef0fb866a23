// The Gridlease liveness watcher (`npm start` runs it; docs/protocol.md, "Liveness"): reports outages
// of leases whose renters approved it and whose providers stopped heartbeating, and settles every
// report whose challenge window has passed. Env: see src/config.ts.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createPublicClient, createWalletClient, defineChain, http, type Address, type PublicClient } from "viem";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { obtainPassphrase } from "@gridlease/sdk/passphrase";
import { unlockKeyFile } from "@gridlease/sdk/keyfile";
import { describeTxError } from "@gridlease/sdk/tx-errors";
import { ConfigError, parseEnv, WATCHER_DEV_ACCOUNT_INDEX, type WatcherEnv } from "./config";
import { GpuChecker } from "./gpu-checks";
import { fundLocalWatcher } from "./local-funds";
import { Watcher, type CycleResult } from "./watcher";

const log = (line: string) => console.log(`${new Date().toISOString()} watcher: ${line}`);

/** Progress is logged when something happened, else at most once a minute. */
const QUIET_PROGRESS_MS = 60_000;

async function account(env: WatcherEnv) {
  if (env.WATCHER_KEY_FILE) {
    const passphrase = await obtainPassphrase({ passphraseFile: env.WATCHER_PASSPHRASE_FILE, prompt: "Watcher key passphrase: " });
    return (await unlockKeyFile(env.WATCHER_KEY_FILE, passphrase, { what: "watcher key file", createWith: "gridlease keys init" })).account;
  }
  return localAccount(env.WATCHER_DEV_ACCOUNT ?? WATCHER_DEV_ACCOUNT_INDEX);
}

/** Escrow, liveness and deploy block: the env's overrides, else the recorded deployment; liveness from `escrow.liveness()`. */
async function addresses(
  env: WatcherEnv,
  publicClient: PublicClient,
): Promise<{ escrow: Address; registry: Address; liveness: Address | undefined; deployBlock: bigint }> {
  let escrow = env.ESCROW_ADDRESS as Address | undefined;
  let deployBlock = env.DEPLOY_BLOCK;
  if (!escrow || deployBlock === undefined) {
    let deployment: ReturnType<typeof getDeployment>;
    try {
      deployment = getDeployment(env.CHAIN_ID);
    } catch {
      throw new ConfigError(
        `No Gridlease deployment is recorded for chain ${env.CHAIN_ID}: deploy the contracts (\`npm start\` does) or set ESCROW_ADDRESS and DEPLOY_BLOCK.`,
      );
    }
    escrow ??= deployment.escrow.address as Address;
    deployBlock ??= BigInt(deployment.escrow.deployBlock);
  }
  const liveness =
    (env.LIVENESS_ADDRESS as Address | undefined) ??
    (await publicClient.readContract({ address: escrow, abi: leaseEscrowAbi, functionName: "liveness" }).catch(() => undefined));
  const registry =
    (env.REGISTRY_ADDRESS as Address | undefined) ?? (await publicClient.readContract({ address: escrow, abi: leaseEscrowAbi, functionName: "registry" }));
  return { escrow, registry, liveness, deployBlock };
}

function progress(result: CycleResult): string {
  return `block ${result.block}: ${result.watched} active lease(s) of renters who approved this watcher, ${result.dark} with a dark provider, ${result.reported.length} reported, ${result.settled.length} settled, ${result.open} report(s) open.`;
}

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const signer = await account(env);
  const probe = createPublicClient({ transport: http(env.RPC_URL) });
  const chainId = await probe.getChainId().catch((error: Error) => {
    throw new ConfigError(`Cannot reach the RPC endpoint ${env.RPC_URL}: ${error.message.split("\n")[0]}`);
  });
  if (chainId !== env.CHAIN_ID) throw new ConfigError(`The RPC endpoint ${env.RPC_URL} serves chain ${chainId}, but CHAIN_ID is ${env.CHAIN_ID}.`);
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [env.RPC_URL] } },
  });
  const transport = http(env.RPC_URL, { retryCount: 3 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport, account: signer });
  const { escrow, registry, liveness, deployBlock } = await addresses(env, publicClient);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  db.on("error", (error) => log(`idle PostgreSQL connection failed (reconnecting on the next cycle): ${error.message}`));
  const gpuChecks = checkGpus(env, { db, chainId, publicClient, signer, registry }, stop.signal);
  if (!liveness) {
    // A chain deployed before LeaseLiveness existed: nothing can be reported there, but the stack runs on.
    log(`idle: the escrow at ${escrow} has no LeaseLiveness (deployed before liveness reports existed); redeploy the contracts to enable outage reports.`);
    await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve()));
    await gpuChecks;
    await db.end().catch(() => undefined);
    return;
  }
  if (!env.WATCHER_KEY_FILE) await fundLocalWatcher({ publicClient, walletClient, liveness, log });

  const watcher = new Watcher({
    db,
    chainId,
    publicClient,
    walletClient,
    escrow,
    liveness,
    deployBlock,
    offlineAfterSeconds: env.WATCHER_OFFLINE_AFTER_SECONDS,
    log,
  });
  // The readiness line scripts/stack.ts waits for.
  log(
    `watching as ${watcher.address} on chain ${chainId} (liveness ${liveness}): reports providers silent for ${env.WATCHER_OFFLINE_AFTER_SECONDS} s, every ${env.WATCHER_INTERVAL_SECONDS} s.`,
  );

  let lastLine = "";
  let lastLineAt = 0;
  let failing = false;
  while (!stop.signal.aborted) {
    try {
      const result = await watcher.cycle();
      const line = progress(result);
      const busy = result.reported.length > 0 || result.settled.length > 0;
      const changed = line.replace(/^block \d+/, "") !== lastLine.replace(/^block \d+/, "");
      if (busy || failing || changed || Date.now() - lastLineAt >= QUIET_PROGRESS_MS) {
        log(line);
        lastLine = line;
        lastLineAt = Date.now();
      }
      failing = false;
    } catch (error) {
      // An unreachable RPC or database: say so, keep the state, try again next cycle.
      log(`cycle failed, retrying in ${env.WATCHER_INTERVAL_SECONDS} s: ${describeTxError(error).split("\n")[0]}`);
      failing = true;
    }
    await sleep(env.WATCHER_INTERVAL_SECONDS * 1000, undefined, { signal: stop.signal }).catch(() => {});
  }
  await gpuChecks;
  await db.end().catch(() => undefined);
  log("stopped.");
}

/**
 * Proof of GPU beside the liveness loop (its own cadence: a check waits for a block and for the agent,
 * which must not delay outage reports). A failing cycle is logged and retried; it never stops the watcher.
 */
async function checkGpus(
  env: WatcherEnv,
  deps: { db: pg.Pool; chainId: number; publicClient: PublicClient; signer: Awaited<ReturnType<typeof account>>; registry: Address },
  signal: AbortSignal,
): Promise<void> {
  if (env.GPU_CHECK_PROFILE === "off") return log("GPU checks: off (GPU_CHECK_PROFILE=off).");
  const checker = new GpuChecker({
    db: deps.db,
    chainId: deps.chainId,
    publicClient: deps.publicClient,
    account: deps.signer,
    registry: deps.registry,
    profile: env.GPU_CHECK_PROFILE,
    intervalSeconds: env.GPU_CHECK_INTERVAL_SECONDS,
    retrySeconds: env.GPU_CHECK_RETRY_SECONDS,
    perCycle: env.GPU_CHECKS_PER_CYCLE,
    marginMs: env.GPU_CHECK_MARGIN_MS,
    log,
  });
  log(
    `GPU checks: ${env.GPU_CHECK_PROFILE} profile, up to ${env.GPU_CHECKS_PER_CYCLE} offer(s) every ${env.GPU_CHECK_CYCLE_SECONDS} s, each again after ${env.GPU_CHECK_INTERVAL_SECONDS} s (${env.GPU_CHECK_RETRY_SECONDS} s after a failure); results signed by ${checker.address}.`,
  );
  while (!signal.aborted) {
    try {
      await checker.cycle();
    } catch (error) {
      log(`GPU check cycle failed, retrying in ${env.GPU_CHECK_CYCLE_SECONDS} s: ${describeTxError(error).split("\n")[0]}`);
    }
    await sleep(env.GPU_CHECK_CYCLE_SECONDS * 1000, undefined, { signal }).catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error(`watcher: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
