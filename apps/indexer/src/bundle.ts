/**
 * Bundles the indexer (src/main.ts and the workspace packages it imports) into one plain ES module,
 * apps/indexer/dist/indexer.mjs, so the long-running process starts without tsx: under
 * `node --import tsx` the esbuild transform service and per-module source maps cost ≈ 75 MB of
 * resident memory before the first event (142 MB vs 68 MB idle, measured), a third of the 256 MB budget.
 *
 *   tsx apps/indexer/src/bundle.ts          # or: pnpm --filter @gridlease/indexer build
 *   node --max-semi-space-size=2 --max-old-space-size=128 apps/indexer/dist/indexer.mjs   # same environment variables as src/main.ts
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleService, bundleWhenRunAsScript } from "../../../scripts/bundle-service";

const INDEXER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const INDEXER_BUNDLE = path.join(INDEXER_DIR, "dist", "indexer.mjs");
/**
 * Node flags the indexer is launched with. A 2 MB young generation (default 16 MB) collects batch
 * garbage (parsed getLogs answers, decoded logs, COPY text) before it is promoted, and a 128 MB old
 * space makes V8 collect instead of growing the heap: the live set is ≈30 MB with one range fetched
 * ahead, so this caps RSS without OOM; measured in docs/benchmarks.md, Indexer. getLogs answers are
 * read with a byte cap (rpc.ts, maxAnswerBytes) so that no single answer outgrows the heap.
 */
export const INDEXER_NODE_FLAGS: string[] = ["--max-semi-space-size=2", "--max-old-space-size=128"];

/** Writes the bundle and returns its path. */
export function bundleIndexer(outfile = INDEXER_BUNDLE): Promise<string> {
  return bundleService(INDEXER_DIR, outfile);
}

bundleWhenRunAsScript(import.meta.url, "indexer", bundleIndexer, INDEXER_NODE_FLAGS);
