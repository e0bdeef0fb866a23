#!/usr/bin/env node
// `pnpm bench:start`: clones this repo into a temp folder, runs `npm start` there twice (a fresh
// clone, then a second start that reuses the database and the build), and prints how long each
// took to serve the home page. Uses other ports than a running `npm start`.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ports = { WEB_PORT: "3300", RPC_PORT: "8845", PG_PORT: "54350", INDEXER_PORT: "42369" };
const dir = mkdtempSync(join(tmpdir(), "gridlease-bench-start-"));
const clone = join(dir, "repo");
execFileSync("git", ["clone", "--quiet", ROOT, clone]);

function startOnce(label) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn("npm", ["start"], { cwd: clone, env: { ...process.env, ...ports, CI: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const steps = [];
    let served = null;
    const onLine = (line) => {
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      if (/\[gridlease\]/.test(line)) steps.push(`${s.padStart(6)} s  ${line.replace(/^.*\[gridlease\] /, "")}`);
      if (/ready: http/.test(line) && served === null) {
        served = (Date.now() - t0) / 1000;
        fetch(`http://127.0.0.1:${ports.WEB_PORT}/`).then((r) => {
          if (!r.ok) reject(new Error(`home page answered ${r.status}`));
          process.kill(-child.pid, "SIGINT");
        }, reject);
      }
    };
    let buf = "";
    const feed = (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      lines.forEach(onLine);
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    const timer = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 600_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (served === null) return reject(new Error(`${label}: npm start exited (code ${code}) before serving:\n${steps.join("\n")}\n${buf}`));
      resolve({ label, served, steps, stopped: (Date.now() - t0) / 1000 - served });
    });
  });
}

let results = [];
try {
  results = [await startOnce("first start (fresh clone, install included)"), await startOnce("second start")];
  for (const r of results) {
    console.log(`\n${r.label}: home page served after ${r.served.toFixed(1)} s; Ctrl-C stopped everything in ${r.stopped.toFixed(1)} s`);
    for (const s of r.steps) console.log(`  ${s}`);
  }
  console.log(`\nfirst start ${results[0].served.toFixed(1)} s (target ≤ 180 s), second start ${results[1].served.toFixed(1)} s (target ≤ 30 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  // Run as root from a checkout under a 0700 temp folder, PostgreSQL's data lives outside the clone
  // (/var/lib/gridlease/<hash>, see packages/db/src/root-postgres.ts): remove that too.
  for (const line of results.flatMap((r) => r.steps)) {
    const outside = / data in (\/var\/lib\/gridlease\/[0-9a-f]{16})\/pg /.exec(line)?.[1];
    if (outside) rmSync(outside, { recursive: true, force: true });
  }
}
