/**
 * Bundles the notifier (src/main.ts and the workspace packages it imports) into one plain ES module,
 * apps/notifier/dist/notifier.mjs, so the long-running process starts without tsx (whose transform
 * service and per-module source maps roughly double a small service's resident memory; the indexer
 * measured 142 MB vs 68 MB). `npm start` and `pnpm bench:notify` run the bundle.
 *
 *   tsx apps/notifier/src/bundle.ts && node apps/notifier/dist/notifier.mjs   # same environment as src/main.ts
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const NOTIFIER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const NOTIFIER_BUNDLE = path.join(NOTIFIER_DIR, "dist", "notifier.mjs");

/** Workspace modules that find files or detect their CLI use by import.meta.url keep their own URL in the bundle. */
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
export async function bundleNotifier(outfile = NOTIFIER_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(NOTIFIER_DIR, "src", "main.ts")],
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
  bundleNotifier().then(
    (file) => console.log(`notifier bundled to ${path.relative(process.cwd(), file)}; run it with: node ${path.relative(process.cwd(), file)}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
