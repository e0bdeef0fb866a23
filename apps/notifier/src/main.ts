import { ConfigError, readNotifierConfig } from "./config";
import { startNotifier } from "./service";

/** `pnpm --filter @gridlease/notifier start` (and `npm start`, scripts/stack.ts). Prints "notifier ready" once it delivers. */
async function main() {
  const config = readNotifierConfig();
  const notifier = await startNotifier(config);
  console.log(`[notifier] ready: chain ${config.CHAIN_ID}, email via ${notifier.mailer.describe}, ${config.NOTIFY_CONCURRENCY} workers, retries ${config.NOTIFY_RETRY_LIMIT} from ${config.NOTIFY_RETRY_DELAY_SECONDS} s`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
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
