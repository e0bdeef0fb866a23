#!/usr/bin/env node
// The static checks behind `npm test`'s typecheck, lint and format suites:
//   node scripts/check.mjs typecheck   tsc --noEmit on every TypeScript project (root, scripts/, apps/*, packages/*)
//   node scripts/check.mjs lint        Biome's linter (rules in biome.json), warnings fail too
//   node scripts/check.mjs format      Biome's formatter in check mode (`pnpm format` writes the fixes)
// Each prints its findings and closes with "<check>: N passed, N failed in S s", which scripts/test-all.mjs
// reads like a test runner's totals (typecheck counts projects, lint and format count files).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = (name) => join(ROOT, "node_modules", ".bin", name);
const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

function summary(check, passed, failed) {
  console.log(`${check}: ${passed} passed, ${failed} failed in ${seconds(started)} s`);
  // exitCode rather than exit(): a pipe may still hold Biome's long report.
  process.exitCode = failed ? 1 : 0;
}

/** Every TypeScript project: the root (Hardhat config and contract tests), scripts/, and each workspace package. */
function projects() {
  const found = [".", "scripts"];
  for (const dir of ["apps", "packages"]) {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(ROOT, dir, entry.name, "package.json"))) found.push(`${dir}/${entry.name}`);
    }
  }
  return found.sort();
}

function runTsc(project) {
  const t = Date.now();
  // Incremental state lives outside the tree, so a second run only re-checks what changed.
  const buildInfo = join(ROOT, "node_modules", ".cache", "typecheck", `${project === "." ? "root" : project.replaceAll("/", "+")}.tsbuildinfo`);
  const args = [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--pretty", "false", "-p", join(project, "tsconfig.json")];
  args.push("--incremental", "--tsBuildInfoFile", buildInfo);
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => resolve({ project, ok: code === 0, output, seconds: seconds(t) }));
  });
}

async function typecheck() {
  // The root project reads the contracts' types from artifacts/ (git-ignored); compile so they exist and are current.
  const compile = spawnSync(BIN("hardhat"), ["compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
  if (compile.status !== 0) console.log("hardhat compile failed; the root project is checked against the artifacts that exist");
  mkdirSync(join(ROOT, "node_modules", ".cache", "typecheck"), { recursive: true });
  const queue = projects();
  const missing = queue.filter((p) => !existsSync(join(ROOT, p, "tsconfig.json")));
  for (const p of missing) console.log(`FAIL ${p}: no tsconfig.json, so nothing checks its types`);
  const todo = queue.filter((p) => !missing.includes(p));
  const results = [];
  // Two at a time: each tsc is single-threaded and the machine this runs on has two cores.
  const workers = Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
    for (let p = todo.shift(); p !== undefined; p = todo.shift()) {
      const r = await runTsc(p);
      const errors = (r.output.match(/error TS\d+/g) ?? []).length;
      console.log(`${r.ok ? "PASS" : "FAIL"} ${p} (${r.ok ? "" : `${errors} errors, `}${r.seconds} s)`);
      if (!r.ok) console.log(r.output.trimEnd());
      results.push(r);
    }
  });
  await Promise.all(workers);
  const passed = results.filter((r) => r.ok).length;
  summary("typecheck", passed, results.length - passed + missing.length);
}

/** Runs Biome and counts files: the ones it names in a diagnostic failed, the rest of those it checked passed. */
function biome(check, args) {
  const res = spawnSync(BIN("biome"), [...args, "--max-diagnostics=none", "--colors=off", "."], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 << 20 });
  const output = `${res.stdout}${res.stderr}`;
  process.stdout.write(output);
  const checked = Number(output.match(/Checked (\d+) files?/)?.[1] ?? 0);
  // Diagnostic headers ("path:line:col lint/group/rule ━━━") whose first line is an error (×) or a warning (!),
  // not an info (i); or the summary reporter's list ("  - path").
  const named = new Set([...output.matchAll(/^(\S+?):\d+:\d+ \S+ .*━+\n(?:\s*\n)*\s+[×!] |^ {2}- (\S+)$/gm)].map((m) => m[1] ?? m[2]));
  const failed = res.status === 0 ? 0 : Math.max(named.size, 1);
  if (!checked && res.status !== 0) return summary(check, 0, 1);
  summary(check, checked - failed, failed);
}

const check = process.argv[2];
if (check === "typecheck") await typecheck();
else if (check === "lint") biome("lint", ["lint", "--error-on-warnings"]);
// The summary reporter lists the files to format instead of printing every diff.
else if (check === "format") biome("format", ["format", "--reporter=summary"]);
else {
  console.error("usage: node scripts/check.mjs typecheck|lint|format");
  process.exit(2);
}
