import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { answerChallenge, challengeAnswerSchema, productBytes, type Challenge, type ChallengeAnswer } from "@gridlease/sdk/proof-of-gpu";
import type { Logger } from "../log";

/** What answers a challenge: the GPU script (torch + CUDA) or the sdk's CPU reference. */
export interface PogEngine {
  readonly kind: "gpu" | "cpu";
  answer(challenge: Challenge): Promise<ChallengeAnswer>;
  /** C_j of a challenge answered earlier, as n² little-endian int16 (what an audit fetches). */
  product(seed: Hex, j: number, n: number): Promise<Uint8Array>;
  /** Ends a helper process, if the engine has one. */
  close?(): void;
}

/**
 * The GPU script shipped with the agent: apps/agent/gpu/pog.py from the sources, gpu/pog.py next to
 * the bundled gridlease-agent.mjs in a release (scripts/bundle.mjs, install.sh).
 */
export const POG_SCRIPT =
  [path.resolve(import.meta.dirname, "../../gpu/pog.py"), path.resolve(import.meta.dirname, "gpu/pog.py")].find(existsSync) ??
  path.resolve(import.meta.dirname, "../../gpu/pog.py");

/**
 * The CPU reference runs on the agent's event loop, so it only takes challenges whose work is small
 * (the `local` profile): a gpu-profile challenge (thousands of 4096² products) would stall heartbeats
 * and lease handling for minutes and could never meet its deadline anyway. 2^30 multiply-adds is
 * about a second of JavaScript.
 */
export const CPU_MAX_MULTIPLY_ADDS = 2 ** 30;

export const cpuEngine: PogEngine = {
  kind: "cpu",
  // Past the deadline an answer is worthless: stop rather than keep the event loop busy for nothing.
  answer: async (challenge) => answerChallenge(challenge, { giveUpAfterMs: challenge.deadlineMs }),
  product: async (seed, j, n) => productBytes(seed, j, n),
};

/** Whether `python3` has torch with a usable CUDA device (asked once, at start). */
export function detectTorchCuda(python = "python3", timeoutMs = 60_000): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      [
        "-c",
        "import torch; print('cuda' if torch.cuda.is_available() else 'nocuda', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')",
      ],
      { timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) return resolve({ ok: false, detail: (stderr || error.message).trim().split("\n").pop() ?? "python3 failed" });
        const [state, version, ...device] = stdout.trim().split(" ");
        resolve(
          state === "cuda" ? { ok: true, detail: `torch ${version} on ${device.join(" ")}` } : { ok: false, detail: `torch ${version} sees no CUDA device` },
        );
      },
    );
  });
}

interface Pending {
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * `pog.py serve`: one long-lived process (torch imported, CUDA contexts and compiled kernels warm) that
 * takes one JSON request per line and replies in order. Starting Python and CUDA per challenge would
 * cost seconds, more than the whole network allowance of a deadline.
 */
class ScriptWorker {
  private child?: ChildProcessWithoutNullStreams;
  private pending: Pending[] = [];
  private partial = "";

  constructor(
    private readonly python: string,
    private readonly backend: "torch" | "numpy",
    private readonly log: Logger,
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.python, [POG_SCRIPT, "serve", "--backend", this.backend], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => {
      this.partial += chunk.toString();
      const lines = this.partial.split("\n");
      this.partial = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) {
        const waiter = this.pending.shift();
        try {
          const reply = JSON.parse(line) as Record<string, unknown>;
          if (typeof reply.error === "string") waiter?.reject(new Error(`pog.py: ${reply.error}`));
          else waiter?.resolve(reply);
        } catch {
          waiter?.reject(new Error(`pog.py printed something other than JSON: ${line.slice(0, 200)}`));
        }
      }
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on("close", (code) => {
      // The next request starts a fresh process; whoever waited on this one hears why it ended.
      if (this.child === child) this.child = undefined;
      const error = new Error(`pog.py exited (${code}): ${stderr.trim().split("\n").slice(-2).join(" ")}`);
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
      if (code !== 0 && code !== null) this.log.warn(`proof of GPU: ${error.message}`);
    });
    child.on("error", (error) => {
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
    });
    return child;
  }

  request(body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve, reject) => {
      // A stuck script is killed: its in-order replies could never be matched to requests again.
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      this.pending.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.stdin.write(`${JSON.stringify(body)}\n`);
    });
  }

  close(): void {
    this.child?.stdin.end();
    this.child?.kill();
  }
}

/**
 * The GPU path: pog.py computes the products as fp16 matmuls on the GPUs (same hash and fingerprint as
 * the sdk, bit for bit). `backend` numpy runs the same script without a GPU (tests).
 */
export function scriptEngine(log: Logger, options: { python?: string; backend?: "torch" | "numpy" } = {}): PogEngine & { warmUp(n: number): Promise<number> } {
  const worker = new ScriptWorker(options.python ?? "python3", options.backend ?? "torch", log);
  return {
    kind: "gpu",
    async answer(challenge) {
      return challengeAnswerSchema.parse(await worker.request({ op: "answer", challenge }, Math.max(60_000, challenge.deadlineMs * 10)));
    },
    async product(seed, j, n) {
      const file = path.join(os.tmpdir(), `gridlease-pog-${process.pid}-${randomUUID()}.bin`);
      try {
        await worker.request({ op: "product", challenge: { seed, matrixSize: n, products: j + 1 }, j, path: file }, 120_000);
        return new Uint8Array(await readFile(file));
      } finally {
        await rm(file, { force: true });
      }
    },
    async warmUp(n) {
      return Number((await worker.request({ op: "warmup", matrixSize: n }, 600_000)).ms);
    },
    close: () => worker.close(),
  };
}

/** Picks the engine per config (`auto`: the GPU script when torch sees CUDA) and says which path it took. */
export async function chooseEngine(choice: "auto" | "gpu" | "cpu", matrixSize: number, log: Logger): Promise<PogEngine> {
  if (choice === "cpu") {
    log.info("proof of GPU: answering challenges with the CPU reference (proofOfGpu.engine is cpu).");
    return cpuEngine;
  }
  const script = existsSync(POG_SCRIPT);
  const torch = script ? await detectTorchCuda() : { ok: false, detail: `${POG_SCRIPT} is missing` };
  if (torch.ok) {
    log.info(`proof of GPU: answering challenges on the GPU with ${POG_SCRIPT} (${torch.detail}).`);
    const engine = scriptEngine(log);
    // Compiling and initialising every GPU takes a while; the agent serves meanwhile (a challenge waits for it).
    engine.warmUp(matrixSize).then(
      (ms) => log.info(`proof of GPU: GPU path warm (${ms} ms).`),
      (error: Error) => log.warn(`proof of GPU: warming the GPU path failed: ${error.message}`),
    );
    return engine;
  }
  if (choice === "gpu") throw new Error(`proofOfGpu.engine is gpu but the GPU path is unusable: ${torch.detail}.`);
  log.info(`proof of GPU: no GPU path (${torch.detail}); answering challenges with the CPU reference.`);
  return cpuEngine;
}
