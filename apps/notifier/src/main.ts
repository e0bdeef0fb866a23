import { checkDatabase } from "@gridlease/db/migrate";
import { ConfigError, readNotifierConfig } from "./config";
import { startNotifier } from "./service";
import { startTopUpKeeperFromEnv } from "./top-up-keeper";

/** `pnpm --filter @gridlease/notifier start` (and `npm start`, scripts/stack.ts). Prints "notifier ready" once it delivers. */
async function main() {
  const config = readNotifierConfig();
  // An unreachable database is one sentence naming DATABASE_URL, not a driver error.
  await checkDatabase(config.DATABASE_URL);
  const notifier = await startNotifier(config);
  console.log(
    `[notifier] ready: chain ${config.CHAIN_ID}, email via ${notifier.mailer.describe}, ${config.NOTIFY_CONCURRENCY} workers × ${config.NOTIFY_BATCH}, retries ${config.NOTIFY_RETRY_LIMIT} from ${config.NOTIFY_RETRY_DELAY_SECONDS} s`,
  );
  // The auto top-up keeper runs beside the deliveries (RPC_URL, TOP_UP_KEEPER_KEY; TOP_UP_KEEPER=0 turns it off).
  // Its failure to start (no RPC, no deployment on this chain) must not stop notifications: one line, and on.
  const keeper = await startTopUpKeeperFromEnv(process.env, (line) => console.log(`[notifier] ${line}`)).catch((error: Error) => {
    console.error(`[notifier] auto top-up keeper not started: ${error.message}`);
    return undefined;
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await keeper?.stop();
    await notifier.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error) => {
  console.error(`[notifier] error: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
  process.exit(1);
});
