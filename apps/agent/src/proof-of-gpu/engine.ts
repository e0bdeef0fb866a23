import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
}

/** The GPU script shipped with the agent (apps/agent/gpu/pog.py). */
export const POG_SCRIPT = path.resolve(import.meta.dirname, "../../gpu/pog.py");

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

/** Runs `python3 pog.py <args>` with `input` on stdin; resolves to its stdout. */
function runScript(python: string, args: string[], input: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [POG_SCRIPT, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`pog.py ${args[0]} exited ${code}: ${err.trim().split("\n").slice(-3).join(" ")}`));
    });
    child.stdin.end(input);
  });
}

/** The GPU path: pog.py computes the products as fp16 matmuls on the GPUs (same hash and fingerprint as the sdk). */
export function gpuEngine(python = "python3"): PogEngine {
  return {
    kind: "gpu",
    async answer(challenge) {
      const out = await runScript(python, ["answer"], JSON.stringify(challenge), Math.max(60_000, challenge.deadlineMs * 10));
      return challengeAnswerSchema.parse(JSON.parse(out.toString()));
    },
    async product(seed, j, n) {
      return new Uint8Array(await runScript(python, ["product"], JSON.stringify({ seed, j, n }), 120_000));
    },
  };
}

/** Picks the engine per config (`auto`: the GPU script when torch sees CUDA) and says which path it took. */
export async function chooseEngine(choice: "auto" | "gpu" | "cpu", log: Logger): Promise<PogEngine> {
  if (choice === "cpu") {
    log.info("proof of GPU: answering challenges with the CPU reference (proofOfGpu.engine is cpu).");
    return cpuEngine;
  }
  const script = existsSync(POG_SCRIPT);
  const torch = script ? await detectTorchCuda() : { ok: false, detail: `${POG_SCRIPT} is missing` };
  if (torch.ok) {
    log.info(`proof of GPU: answering challenges on the GPU with ${POG_SCRIPT} (${torch.detail}).`);
    return gpuEngine();
  }
  if (choice === "gpu") throw new Error(`proofOfGpu.engine is gpu but the GPU path is unusable: ${torch.detail}.`);
  log.info(`proof of GPU: no GPU path (${torch.detail}); answering challenges with the CPU reference.`);
  return cpuEngine;
}
