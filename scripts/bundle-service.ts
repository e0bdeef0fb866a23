/**
 * Bundles a long-running service (apps/<name>/src/main.ts and the workspace packages it imports) into
 * one plain ES module, apps/<name>/dist/<name>.mjs, so the process starts without tsx: under
 * `node --import tsx` the esbuild transform service and per-module source maps cost ≈ 75 MB of
 * resident memory before the first event (the indexer measured 142 MB vs 68 MB idle). The indexer
 * and the notifier bundle with this one helper so that their bundles cannot drift apart.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

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

/** Bundles `<serviceDir>/src/main.ts` into `outfile` and returns its path. */
export async function bundleService(serviceDir: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [path.join(serviceDir, "src", "main.ts")],
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

/**
 * When `moduleUrl` is the script node was started with, bundles and prints how to run the bundle
 * (`nodeFlags` are the flags the service is launched with); exits 1 with the message on failure.
 */
export function bundleWhenRunAsScript(moduleUrl: string, name: string, bundle: () => Promise<string>, nodeFlags: string[] = []): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  bundle().then(
    (file) => {
      const relative = path.relative(process.cwd(), file);
      console.log(`${name} bundled to ${relative}; run it with: node ${[...nodeFlags, relative].join(" ")}`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
