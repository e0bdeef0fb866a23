// `pnpm bench:pog` (issue 21, docs/proof-of-gpu.md): what a checker pays to audit one product of an H100
// gpu-profile challenge on one CPU core, against what computing that product (and the whole challenge)
// costs on the same core. JS is single-threaded: every phase below runs on one core.
//
// The audit runs in a child process of its own, so its peak RSS is the checker's, not the multiply's.
// Env: POG_BENCH_MODEL (default H100-SXM), POG_BENCH_GPUS (default 8), POG_BENCH_SIZE (override n, for a quick run).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import {
  challengeParams,
  deriveSeed,
  fingerprint,
  fingerprintWeights,
  generateA,
  generateB,
  multiply,
  newCheckId,
  productToBytes,
  verifyAudit,
} from "@gridlease/sdk/proof-of-gpu";
import type { Hex } from "viem";

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number) =>
  ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(2)} s`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

/** Child: the checker's audit of one product read from a file (as fetched from an agent). */
function auditChild(file: string, seed: Hex, n: number, f: number, rounds: number) {
  const baseline = process.memoryUsage().rss;
  const file0 = readFileSync(file);
  // A view, not a copy: the checker holds the fetched bytes once.
  const bytes = new Uint8Array(file0.buffer, file0.byteOffset, file0.byteLength);
  const [result, ms] = time(() => verifyAudit({ seed, j: 0, n, bytes, fingerprint: f, rounds }));
  const peak = peakRss();
  // The same steps one by one, to show where the time goes.
  const [a, genMs] = time(() => [generateA(seed, 0, n), generateB(seed, 0, n)]);
  const c = new Int16Array(bytes.buffer, bytes.byteOffset, n * n);
  const [, fpMs] = time(() => fingerprint(c, n, seed, 0));
  console.log(JSON.stringify({ ok: result.ok, ms, genMs, fpMs, baselineRss: baseline, peakRss: peak, operands: a[0].length * 2 }));
}

function main() {
  const model = process.env.POG_BENCH_MODEL ?? "H100-SXM";
  const gpus = Number(process.env.POG_BENCH_GPUS ?? 8);
  const params = challengeParams(model, gpus, "gpu");
  const n = Number(process.env.POG_BENCH_SIZE ?? params.matrixSize);
  const checkId = newCheckId();
  const seed = deriveSeed(newCheckId(), checkId);
  console.log(
    `proof-of-GPU bench: ${gpus}× ${model}, gpu profile: n = ${params.matrixSize}, ${params.productsPerGpu} products/GPU, ${params.products} products, deadline ${params.deadlineMs} ms, audited ${params.audited}×${params.rounds} rounds`,
  );
  console.log(`measuring at n = ${n} on one core (${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}); load ${load()}`);

  // The prover's side on the CPU: one product.
  const [[a, b], genMs] = time(() => [generateA(seed, 0, n), generateB(seed, 0, n)] as const);
  const [c, mulMs] = time(() => multiply(a, b, n));
  const [f, fpMs] = time(() => fingerprint(c, n, seed, 0, fingerprintWeights(seed, n)));
  const proveMs = genMs + mulMs + fpMs;
  console.log(
    `prover, one product on the CPU: generate A,B ${genMs.toFixed(0)} ms, multiply ${mulMs.toFixed(0)} ms (${((2 * n ** 3) / mulMs / 1e6).toFixed(2)} Gflop/s), fingerprint ${fpMs.toFixed(0)} ms; load ${load()}`,
  );

  // The checker's side, in its own process.
  const dir = mkdtempSync(join(os.tmpdir(), "bench-pog-"));
  try {
    const file = join(dir, "c.bin");
    writeFileSync(file, productToBytes(c));
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1], "--audit-child", file, seed, String(n), String(f), String(params.rounds)],
      {
        encoding: "utf8",
      },
    );
    if (child.status !== 0) throw new Error(`audit child failed: ${child.stderr}`);
    const audit = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}");
    if (!audit.ok) throw new Error("the honest product did not verify");
    console.log(
      `checker, one audited product: ${audit.ms.toFixed(0)} ms (generate A,B ${audit.genMs.toFixed(0)} ms, fingerprint ${audit.fpMs.toFixed(0)} ms, ${params.rounds} Freivalds rounds the rest), peak RSS ${mib(audit.peakRss)} = ${mib(audit.baselineRss)} node/tsx baseline + ${mib(audit.peakRss - audit.baselineRss)} for the audit (product ${mib(2 * n * n)}, operands ${mib(audit.operands)}); load ${load()}`,
    );
    const scale = (params.matrixSize / n) ** 3;
    const productCpuMs = proveMs * scale;
    const challengeCpuMs = productCpuMs * params.products;
    const auditMs = audit.ms * (params.matrixSize / n) ** 2;
    const checkerMs = auditMs * params.audited;
    console.log(
      `ratio, one product: computing it ${secs(productCpuMs)} vs auditing it ${secs(auditMs)} → ${(productCpuMs / auditMs).toFixed(0)}×${scale === 1 ? "" : ` (extrapolated from n = ${n}: time × (n'/n)³ and × (n'/n)²)`}`,
    );
    console.log(
      `ratio, whole challenge: ${params.products} products on this core ${secs(challengeCpuMs)} vs the checker's ${params.audited} audits ${secs(checkerMs)} → ${(challengeCpuMs / checkerMs).toExponential(2)}×; the deadline is ${params.deadlineMs} ms`,
    );
    console.log(`done; load ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf("--audit-child");
if (at >= 0) {
  const [file, seed, n, f, rounds] = process.argv.slice(at + 1);
  auditChild(file, seed as Hex, Number(n), Number(f), Number(rounds));
} else {
  main();
}
