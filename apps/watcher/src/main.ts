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
async function addresses(env: WatcherEnv, publicClient: PublicClient): Promise<{ escrow: Address; liveness: Address | undefined; deployBlock: bigint }> {
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
  return { escrow, liveness, deployBlock };
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
  const { escrow, liveness, deployBlock } = await addresses(env, publicClient);
  if (!liveness) {
    // A chain deployed before LeaseLiveness existed: nothing can be reported there, but the stack runs on.
    log(`idle: the escrow at ${escrow} has no LeaseLiveness (deployed before liveness reports existed); redeploy the contracts to enable outage reports.`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    return;
  }
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  db.on("error", (error) => log(`idle PostgreSQL connection failed (reconnecting on the next cycle): ${error.message}`));
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
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
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
  await db.end().catch(() => undefined);
  log("stopped.");
}

main().catch((error: unknown) => {
  console.error(`watcher: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
