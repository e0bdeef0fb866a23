/**
 * Bundles the indexer (src/main.ts and the workspace packages it imports) into one plain ES module,
 * apps/indexer/dist/indexer.mjs, so the long-running process starts without tsx: under
 * `node --import tsx` the esbuild transform service and per-module source maps cost ≈ 75 MB of
 * resident memory before the first event (142 MB vs 68 MB idle, measured), a third of the 256 MB budget.
 *
 *   tsx apps/indexer/src/bundle.ts          # or: pnpm --filter @gridlease/indexer build
 *   node --max-semi-space-size=2 --max-old-space-size=128 apps/indexer/dist/indexer.mjs   # same environment variables as src/main.ts
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

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

/**
 * Workspace sources locate files next to themselves (packages/db finds prisma/migrations from
 * import.meta.url) and detect being run as a CLI by comparing import.meta.url with argv[1]. In one
 * bundle every module would see the bundle's URL, so each workspace module keeps its own source URL.
 */
const keepSourceUrls: Plugin = {
  name: "keep-source-import-meta-url",
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, "utf8");
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};

/** Writes the bundle and returns its path. */
export async function bundleIndexer(outfile = INDEXER_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(INDEXER_DIR, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // pg tries pg-native only when asked for it; CommonJS dependencies inside an ES module bundle need a require.
    external: ["pg-native"],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [keepSourceUrls],
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  bundleIndexer().then(
    (file) =>
      console.log(
        `indexer bundled to ${path.relative(process.cwd(), file)}; run it with: node ${INDEXER_NODE_FLAGS.join(" ")} ${path.relative(process.cwd(), file)}`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
