/**
 * Bundles the notifier (src/main.ts and the workspace packages it imports) into one plain ES module,
 * apps/notifier/dist/notifier.mjs, so the long-running process starts without tsx (whose transform
 * service and per-module source maps roughly double a small service's resident memory; the indexer
 * measured 142 MB vs 68 MB). `npm start` and `pnpm bench:notify` run the bundle.
 *
 *   tsx apps/notifier/src/bundle.ts && node apps/notifier/dist/notifier.mjs   # same environment as src/main.ts
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleService, bundleWhenRunAsScript } from "../../../scripts/bundle-service";

const NOTIFIER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const NOTIFIER_BUNDLE = path.join(NOTIFIER_DIR, "dist", "notifier.mjs");

/** Writes the bundle and returns its path. */
export function bundleNotifier(outfile = NOTIFIER_BUNDLE): Promise<string> {
  return bundleService(NOTIFIER_DIR, outfile);
}

bundleWhenRunAsScript(import.meta.url, "notifier", bundleNotifier);
