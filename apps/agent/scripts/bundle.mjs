#!/usr/bin/env node
// Builds the installable agent: one self-contained ESM file (the CLI, its dependencies and the SDK
// bundled by esbuild, no node_modules needed) plus the installer, the example scripts and config and
// a systemd unit, packed as dist/gridlease-agent-<version>.tar.gz. Needs only Node >= 20 on the host.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const { version } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
const name = `gridlease-agent-${version}`;
const out = path.join(root, "dist", name);
await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, "examples"), { recursive: true });

await build({
  entryPoints: [path.join(root, "src/cli.ts")],
  outfile: path.join(out, "gridlease-agent.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  define: { __GRIDLEASE_AGENT_VERSION__: JSON.stringify(version) },
  // Some bundled dependencies are CommonJS and call require() for Node built-ins.
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __gridleaseRequire } from "node:module";\nconst require = __gridleaseRequire(import.meta.url);',
  },
  legalComments: "none",
  logLevel: "warning",
});
await chmod(path.join(out, "gridlease-agent.mjs"), 0o755);

await copyFile(path.join(root, "install.sh"), path.join(out, "install.sh"));
await chmod(path.join(out, "install.sh"), 0o755);
for (const file of await readdir(path.join(root, "examples"), { withFileTypes: true })) {
  if (!file.isFile()) continue;
  const target = path.join(out, "examples", file.name);
  await copyFile(path.join(root, "examples", file.name), target);
  if (file.name.endsWith(".sh")) await chmod(target, 0o755);
}
// The proof-of-GPU script (run when torch with CUDA is found), next to the bundle as gpu/pog.py.
await mkdir(path.join(out, "gpu"), { recursive: true });
await copyFile(path.join(root, "gpu", "pog.py"), path.join(out, "gpu", "pog.py"));
execFileSync("tar", ["-czf", `${name}.tar.gz`, name], { cwd: path.join(root, "dist") });
process.stdout.write(`${path.join(root, "dist", `${name}.tar.gz`)}\n`);
