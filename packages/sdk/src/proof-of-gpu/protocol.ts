import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, concat, type Hex, hexToBytes, keccak256 } from "viem";
import { z } from "zod";
import { productToBytes } from "./freivalds";
import { MAX_PRODUCTS } from "./hash";
import { checkSize, fingerprint, fingerprintWeights, generateA, generateB, multiply } from "./matrices";

/** Outcomes as stored (gpu_check.outcome) and signed (uint8 in GpuCheck): the index; None = 0 is never a result. */
export const GPU_CHECK_OUTCOMES = ["None", "Passed", "Failed", "TimedOut", "Unreachable"] as const;
export type GpuCheckOutcome = (typeof GPU_CHECK_OUTCOMES)[number];

export function gpuCheckOutcomeIndex(outcome: GpuCheckOutcome): number {
  return GPU_CHECK_OUTCOMES.indexOf(outcome);
}

/** A Passed check keeps the offer's "Verified <model>" badge this long (7 days). */
export const GPU_CHECK_VALID_SECONDS = 7 * 24 * 3600;
/** This many consecutive non-Passed checks by trusted checkers flag the provider. */
export const GPU_CHECK_FAILURES_TO_FLAG = 3;

/**
 * seed = keccak256(blockHash(seedBlock) ‖ checkId). seedBlock is the first block after the checker asked and
 * checkId is the checker's 32 random bytes: the agent cannot know the seed before the block exists, and the
 * checker cannot choose it (it commits to checkId before the block hash is known; see docs/proof-of-gpu.md).
 */
export function deriveSeed(blockHash: Hex, checkId: Hex): Hex {
  return keccak256(concat([blockHash, checkId]));
}

export function newCheckId(): Hex {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * commitment = sha256(seed ‖ checkId ‖ f_0 … f_{m-1}), each f as a big-endian uint32. sha256 (not keccak)
 * because Python's hashlib has it, so pog.py can commit without a dependency; the value is signed as bytes32.
 */
export function commitment(seed: Hex, checkId: Hex, fingerprints: readonly number[]): Hex {
  const bytes = new Uint8Array(64 + 4 * fingerprints.length);
  bytes.set(hexToBytes(seed), 0);
  bytes.set(hexToBytes(checkId), 32);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < fingerprints.length; i++) view.setUint32(64 + 4 * i, fingerprints[i], false);
  return bytesToHex(sha256(bytes));
}

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-prefixed hex");
const fingerprintString = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{1,8}|\d{1,10})$/, "must be a uint32 in decimal or 0x hex")
  .refine((s) => Number(s) <= 0xffffffff, "must be a uint32");

/** POST {url}/pog/v1/challenges body. The agent recomputes nothing here; it checks offer, model and count against what it serves. */
export const challengeSchema = z.object({
  checkId: bytes32,
  chainId: z.number().int().positive(),
  seedBlock: z.number().int().nonnegative(),
  seed: bytes32,
  provider: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address"),
  offerId: z.string().regex(/^\d{1,78}$/, "must be a decimal uint256"),
  gpuModel: z.string().min(1).max(32),
  gpuCount: z.number().int().min(1).max(64),
  matrixSize: z
    .number()
    .int()
    .refine((n) => n >= 16 && n <= 8192 && n % 16 === 0, "must be a multiple of 16 in [16, 8192]"),
  products: z.number().int().min(1).max(MAX_PRODUCTS),
  deadlineMs: z.number().int().positive(),
});
export type Challenge = z.infer<typeof challengeSchema>;

export const challengeAnswerSchema = z.object({
  checkId: bytes32,
  commitment: bytes32,
  fingerprints: z.array(fingerprintString).max(MAX_PRODUCTS),
  computeMs: z.number().nonnegative(),
});
export type ChallengeAnswer = z.infer<typeof challengeAnswerSchema>;

export function parseFingerprint(s: string): number {
  const f = Number(s);
  if (!Number.isInteger(f) || f < 0 || f > 0xffffffff) throw new Error(`fingerprint ${s} is not a uint32`);
  return f;
}

/** Whether an answer belongs to a challenge and commits to exactly its fingerprints (the checker's first step). */
export function checkAnswerShape(challenge: Pick<Challenge, "checkId" | "seed" | "products">, answer: ChallengeAnswer): string | undefined {
  if (answer.checkId.toLowerCase() !== challenge.checkId.toLowerCase()) return `answer is for check ${answer.checkId}, not ${challenge.checkId}`;
  if (answer.fingerprints.length !== challenge.products)
    return `answer has ${answer.fingerprints.length} fingerprints, the challenge ${challenge.products} products`;
  const expected = commitment(challenge.seed as Hex, challenge.checkId as Hex, answer.fingerprints.map(parseFingerprint));
  if (expected.toLowerCase() !== answer.commitment.toLowerCase())
    return `commitment ${answer.commitment} is not sha256(seed ‖ checkId ‖ fingerprints) = ${expected}`;
  return undefined;
}

/** Builds the answer from fingerprints computed elsewhere (e.g. by apps/agent/gpu/pog.py). */
export function answerFromFingerprints(challenge: Pick<Challenge, "checkId" | "seed">, fingerprints: readonly number[], computeMs: number): ChallengeAnswer {
  return {
    checkId: challenge.checkId,
    commitment: commitment(challenge.seed as Hex, challenge.checkId as Hex, fingerprints),
    fingerprints: fingerprints.map(String),
    computeMs,
  };
}

export interface AnswerOptions {
  /** Stop (throw) once this many ms have passed: an answer after the deadline is worthless, the CPU is better spent elsewhere. */
  giveUpAfterMs?: number;
}

/** The CPU reference path: every product generated, multiplied and fingerprinted in this thread. */
export function answerChallenge(challenge: Pick<Challenge, "checkId" | "seed" | "matrixSize" | "products">, options: AnswerOptions = {}): ChallengeAnswer {
  const started = performance.now();
  const n = challenge.matrixSize;
  const seed = challenge.seed as Hex;
  checkSize(n);
  const weights = fingerprintWeights(seed, n);
  const fingerprints: number[] = [];
  for (let j = 0; j < challenge.products; j++) {
    if (options.giveUpAfterMs !== undefined && performance.now() - started > options.giveUpAfterMs) {
      throw new Error(`gave up after ${options.giveUpAfterMs} ms at product ${j} of ${challenge.products}`);
    }
    fingerprints.push(fingerprint(multiply(generateA(seed, j, n), generateB(seed, j, n), n), n, seed, j, weights));
  }
  return answerFromFingerprints(challenge, fingerprints, Math.round(performance.now() - started));
}

/** C_j as served for an audit (int16 LE, n² entries), recomputed from the seed. */
export function productBytes(seed: Hex, j: number, n: number): Uint8Array {
  return productToBytes(multiply(generateA(seed, j, n), generateB(seed, j, n), n));
}

/** EIP-712 `AgentEndpoint(address provider,string url,uint64 timestamp)`; domain: heartbeatDomain (heartbeat.ts). */
export const AGENT_ENDPOINT_TYPES = {
  AgentEndpoint: [
    { name: "provider", type: "address" },
    { name: "url", type: "string" },
    { name: "timestamp", type: "uint64" },
  ],
} as const;

/** EIP-712 record of one finished check, signed by the checker; domain: heartbeatDomain (heartbeat.ts). */
export const GPU_CHECK_TYPES = {
  GpuCheck: [
    { name: "checkId", type: "bytes32" },
    { name: "provider", type: "address" },
    { name: "offerId", type: "uint256" },
    { name: "gpuModel", type: "string" },
    { name: "gpuCount", type: "uint32" },
    { name: "seed", type: "bytes32" },
    { name: "outcome", type: "uint8" },
    { name: "elapsedMs", type: "uint32" },
    { name: "deadlineMs", type: "uint32" },
    { name: "commitment", type: "bytes32" },
  ],
} as const;
