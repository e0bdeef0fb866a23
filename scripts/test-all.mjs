#!/usr/bin/env node
// `npm test`: every suite in the repo, then one summary line per suite and a closing "N passed, N failed"
// line. Exits non-zero on any failure. Suites run in two lanes at once (TEST_LANES=1: one after another):
// the agent, watcher and browser suites spend most of their time waiting on chain blocks, containers
// and pages, so they share the 2 cores with the rest; each suite's output is printed as one block when
// it ends, and a line when it starts, so interleaved lanes stay readable.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const SUITES = [
  // Static checks first: they take seconds to a minute or two and name the file and line.
  { name: "typecheck", kind: "check", cmd: ["node", "scripts/check.mjs", "typecheck"] },
  { name: "lint", kind: "check", cmd: ["node", "scripts/check.mjs", "lint"] },
  { name: "format", kind: "check", cmd: ["node", "scripts/check.mjs", "format"] },
  { name: "contracts", kind: "mocha", cmd: ["pnpm", "exec", "hardhat", "test"] },
  { name: "stack", kind: "vitest", cmd: ["pnpm", "exec", "vitest", "run", "--config", "scripts/vitest.config.ts"] },
  { name: "sdk", kind: "vitest", pkg: "packages/sdk", script: "test" },
  { name: "db", kind: "vitest", pkg: "packages/db", script: "test" },
  { name: "indexer", kind: "vitest", pkg: "apps/indexer", script: "test" },
  { name: "agent", kind: "vitest", pkg: "apps/agent", script: "test", lane: 2 },
  { name: "notifier", kind: "vitest", pkg: "apps/notifier", script: "test" },
  { name: "watcher", kind: "vitest", pkg: "apps/watcher", script: "test", lane: 2 },
  { name: "web", kind: "vitest", pkg: "apps/web", script: "test" },
  { name: "client", kind: "vitest", pkg: "packages/client", script: "test" },
  { name: "cli", kind: "vitest", pkg: "apps/cli", script: "test" },
  { name: "browser", kind: "playwright", pkg: "apps/web", script: "test:e2e", lane: 2 },
];

const only = process.argv.slice(2);
const selected = only.length ? SUITES.filter((s) => only.includes(s.name)) : SUITES;
if (only.length && selected.length !== only.length) {
  console.error(`Unknown suite in "${only.join(" ")}"; suites are: ${SUITES.map((s) => s.name).join(", ")}.`);
  process.exit(2);
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
const num = (text, re) => {
  let total = 0;
  for (const m of text.matchAll(re)) total = Number(m[1]);
  return total;
};

// Each runner prints its totals differently; read the last totals line it printed.
function parseCounts(kind, text) {
  const t = stripAnsi(text);
  if (kind === "mocha") {
    return { passed: num(t, /^\s*(\d+) passing/gm), failed: num(t, /^\s*(\d+) failing/gm), skipped: num(t, /^\s*(\d+) pending/gm) };
  }
  if (kind === "check") {
    // scripts/check.mjs closes with "<check>: N passed, N failed in S s" (projects or files).
    const line = [...t.matchAll(/^\w+: (\d+) passed, (\d+) failed in /gm)].at(-1);
    return { passed: Number(line?.[1] ?? 0), failed: Number(line?.[2] ?? 0), skipped: 0 };
  }
  if (kind === "vitest") {
    const line = [...t.matchAll(/^\s*Tests\s+(.*)$/gm)].at(-1)?.[1] ?? "";
    return { passed: num(line, /(\d+) passed/g), failed: num(line, /(\d+) failed/g), skipped: num(line, /(\d+) skipped/g) + num(line, /(\d+) todo/g) };
  }
  return {
    passed: num(t, /^\s*(\d+) passed/gm) + num(t, /^\s*(\d+) flaky/gm),
    failed: num(t, /^\s*(\d+) failed/gm),
    skipped: num(t, /^\s*(\d+) skipped/gm),
  };
}

const LANES = process.env.TEST_LANES === "1" ? 1 : 2;

function runSuite(suite, live) {
  let cmd = suite.cmd;
  if (!cmd) {
    const manifest = join(ROOT, suite.pkg, "package.json");
    const scripts = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, "utf8")).scripts ?? {}) : {};
    if (!scripts[suite.script]) return Promise.resolve({ code: 1, output: "", missing: true });
    cmd = ["pnpm", "--dir", suite.pkg, "run", suite.script];
  }
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    const tee = (stream, sink) =>
      stream.on("data", (d) => {
        output += d;
        if (live) sink.write(d);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on("exit", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const results = new Map();
async function runLane(suites) {
  for (const suite of suites) {
    const live = LANES === 1;
    const started = new Date();
    console.log(live ? `\n=== ${suite.name} ===` : `[${started.toISOString().slice(11, 19)}] ${suite.name} started`);
    const { code, output, missing } = await runSuite(suite, live);
    const counts = parseCounts(suite.kind, output);
    // A suite that exits 0 but ran nothing is not a pass: it hides a broken test setup.
    const ok = code === 0 && !missing && counts.failed === 0 && counts.passed > 0;
    const seconds = (Date.now() - started.getTime()) / 1000;
    if (!live) process.stdout.write(`\n=== ${suite.name} (${seconds.toFixed(1)} s) ===\n${output}\n`);
    results.set(suite, { suite, ok, counts, seconds, missing, code });
  }
}
const lanes = LANES === 1 ? [selected] : [selected.filter((s) => s.lane !== 2), selected.filter((s) => s.lane === 2)];
const wallStart = Date.now();
await Promise.all(lanes.map(runLane));

console.log("\n=== summary ===");
let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of selected.map((suite) => results.get(suite))) {
  passed += r.counts.passed;
  failed += r.counts.failed;
  skipped += r.counts.skipped;
  const why = r.missing ? " (no test script)" : !r.ok && r.counts.failed === 0 ? ` (exit code ${r.code}${r.counts.passed === 0 ? ", no test ran" : ""})` : "";
  console.log(
    `${r.ok ? "PASS" : "FAIL"} ${r.suite.name.padEnd(10)} ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped in ${r.seconds.toFixed(1)} s${why}`,
  );
}
const suitesFailed = [...results.values()].filter((r) => !r.ok).length;
// A suite can fail without a failing test (crash, missing script); count it so the total says so.
const failedTotal = failed + [...results.values()].filter((r) => !r.ok && r.counts.failed === 0).length;
console.log(
  `${passed} passed, ${failedTotal} failed, ${skipped} skipped in ${((Date.now() - wallStart) / 60_000).toFixed(1)} min (${LANES} lane${LANES === 1 ? "" : "s"})`,
);
process.exit(suitesFailed ? 1 : 0);
