#!/usr/bin/env node
// Entry point behind `npm start` and `npm test`. Plain Node with no dependencies, because it runs
// on a fresh clone before anything is installed: it makes sure pnpm and the workspace packages are
// there, then hands over to the real command.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = "10.34.9";
const command = process.argv[2];
const started = Date.now();

const log = (msg) => console.log(`[gridlease] ${msg}`);
const fail = (msg) => {
  console.error(`[gridlease] error: ${msg}`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 18)) fail(`Node ${process.versions.node} is too old; Gridlease needs Node 20.18 or newer.`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: process.env, ...opts });
  if (res.error) fail(`could not run ${cmd}: ${res.error.message}`);
  return res.status ?? 1;
}

function pnpmAvailable() {
  const res = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  return res.status === 0 ? res.stdout.trim() : null;
}

function ensurePnpm() {
  const have = pnpmAvailable();
  if (have && Number(have.split(".")[0]) >= 10) return log(`pnpm ${have} found`);
  log(`installing pnpm ${PNPM_VERSION} with npm (one time)...`);
  if (run("npm", ["install", "--global", "--no-fund", "--no-audit", `pnpm@${PNPM_VERSION}`]) !== 0 || !pnpmAvailable()) {
    fail("pnpm could not be installed with `npm install --global pnpm`; install pnpm 10 yourself and run the command again.");
  }
}

function fingerprint(files) {
  const hash = createHash("sha256");
  for (const f of files) hash.update(existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f)) : `missing:${f}`);
  return hash.digest("hex");
}

// Re-install only when the lockfile or a manifest changed since the last successful install.
function ensureInstalled() {
  const stamp = join(ROOT, "node_modules", ".gridlease-install");
  // Every workspace manifest (apps/*, packages/*), found rather than listed, so a new app or package counts.
  const workspaceManifests = ["apps", "packages"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, dir, entry.name, "package.json")))
      .map((entry) => `${dir}/${entry.name}/package.json`)
      .sort(),
  );
  const manifests = ["pnpm-lock.yaml", "pnpm-workspace.yaml", "package.json", ...workspaceManifests];
  const want = fingerprint(manifests);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return log("packages up to date");
  log("installing packages (pnpm install --frozen-lockfile)...");
  const t = Date.now();
  const args = ["install", "--frozen-lockfile"];
  if (!process.stdout.isTTY) args.push("--reporter=append-only");
  if (run("pnpm", args) !== 0) fail("`pnpm install` failed; see the output above.");
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, want);
  log(`packages installed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// The Prisma client is generated (git-ignored); regenerate when the schema changes.
function ensurePrismaClient() {
  const schema = join(ROOT, "prisma", "schema.prisma");
  const dbPkg = JSON.parse(readFileSync(join(ROOT, "packages/db/package.json"), "utf8"));
  if (!existsSync(schema) || !dbPkg.scripts?.generate) return;
  const stamp = join(ROOT, "node_modules", ".gridlease-prisma");
  const want = fingerprint(["prisma/schema.prisma", "prisma.config.ts", "pnpm-lock.yaml"]);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  log("generating the Prisma client...");
  if (run("pnpm", ["--filter", "@gridlease/db", "generate"], { stdio: ["ignore", "ignore", "inherit"] }) !== 0)
    fail("`prisma generate` failed; see the output above.");
  writeFileSync(stamp, want);
}

function handOver(cmd, args) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, GRIDLEASE_BOOTSTRAP_STARTED: String(started) } });
  // Ctrl-C reaches the whole foreground process group; the child does its own clean shutdown.
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

ensurePnpm();
ensureInstalled();
ensurePrismaClient();

switch (command) {
  case "start":
    handOver(process.execPath, ["--import", "tsx", "scripts/stack.ts", ...process.argv.slice(3)]);
    break;
  case "test":
    handOver(process.execPath, ["scripts/test-all.mjs", ...process.argv.slice(3)]);
    break;
  case "install":
    break;
  default:
    fail(`unknown command "${command}"; use start, test or install.`);
}
