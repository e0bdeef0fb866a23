import { GPU_MODELS, type GpuModel, gpuModelById } from "../gpus";

/**
 * Challenge sizes and deadlines, derived from the GPU table (packages/sdk/src/gpus.ts) and the constants
 * below; nothing is set per model. The rate is the card's fastest exact path: the challenge's entries are
 * in {-1,0,1}, so INT8 tensor cores (int32 accumulation) compute it exactly at twice (datacenter) or four
 * times (GeForce) the fp16 rate. Sizing from fp16 would let a slower card using INT8 pass as a faster one.
 *
 *   rate           = max(tflops, int8Tops) · flopsPerTflops                       (exactRate)
 *   productsPerGpu = max(1, round(targetComputeMs/1000 · rate / (2n³)))
 *   computeMs      = productsPerGpu · (gpus working in series) · 2n³ / (rate · efficiency) · 1000
 *   deadlineMs     = ceil(computeMs + allowanceMs)
 *
 * n is fixed per profile, so a faster model gets more products in about the same deadline: an offer that
 * claims a fast GPU has to do more work in the same time, and one that has a slower card runs out of time.
 */
export interface PogProfile {
  /** Matrix order n. */
  matrixSize: number;
  /** Seconds of matrix work per GPU at the datasheet rate the product count is sized for. */
  targetComputeMs: number;
  /** op/s per datasheet TFLOPS/TOPS: 1e12 on a GPU; the local profile scales it down to what one JS core does. */
  flopsPerTflops: number;
  /**
   * Fraction of the datasheet rate an honest card must reach. 0.5: dense GEMMs at n = 4096 reach 60-75 % of the
   * datasheet on H100/A100, and the fused operand generation and fingerprints add a few percent; to be
   * calibrated with scripts/gpu/pog-h200.sh (not yet run on a GPU).
   */
  efficiency: number;
  /**
   * Network and process allowance: the round trip of the challenge and of the answer (≈ 11 bytes per
   * fingerprint: 0.6 MB for 8×H100), pog.py kept warm by the agent. It is also the slack a slower card or a
   * remote GPU gets, so it is kept well below the compute time.
   */
  allowanceMs: number;
  /**
   * Products the checker fetches and checks after the answer. A host that computed only a fraction q of the
   * products passes with ≈ q^audited: the fastest card that is too slow (2.5-3.2× slower, e.g. an A100 as an
   * H100, q ≤ 0.79) passes 16 audits with ≤ 2.3 % (8: 15 %). Cost per check: 16 × 32 MiB and ~0.5 s of one core each.
   */
  audited: number;
  /** Freivalds rounds per audited product (each passes a wrong product with probability ≤ 2^-20). */
  rounds: number;
  /** true: the GPUs compute in parallel (deadline per GPU); false: one CPU computes every "GPU"'s share in turn. */
  parallelGpus: boolean;
}

export type PogProfileName = "gpu" | "local";

export const POG_PROFILES: Record<PogProfileName, PogProfile> = {
  // n = 4096: 1.4·10^11 operations per product (≈ 70 µs on an H100 at its 1979 INT8 TOPS), large enough that a
  // product is dominated by the multiply rather than by the O(n²) generation and fingerprint, small enough that
  // an audited product is 32 MiB to fetch. fp16 is exact too (fp32 accumulation; |c| > 2048, which fp16 output
  // would round, has probability ≤ 2·e^(-2048²/(2n)) = 2^-737 per entry).
  // Separation: a card passes another model's challenge only if that model's rate ≤ its own rate ·
  // its efficiency · (1/efficiency + allowance/target) = 2.5× its rate at 100 % efficiency: H100 vs A100 (3.2×) fails.
  gpu: { matrixSize: 4096, targetComputeMs: 2000, flopsPerTflops: 1e12, efficiency: 0.5, allowanceMs: 1000, audited: 16, rounds: 2, parallelGpus: true },
  // The CPU demo and tests (chain 31337): one datasheet TOPS stands for 0.5 Mop/s of JS on one core (the
  // reference multiply does ~1-3 Gop/s), so an 8×H100 offer is ~600 products of n = 64 (≈ 0.4 s of CPU);
  // the allowance is large because the test machines are shared and loaded.
  local: { matrixSize: 64, targetComputeMs: 40, flopsPerTflops: 5e5, efficiency: 0.5, allowanceMs: 3000, audited: 4, rounds: 2, parallelGpus: false },
};

export interface ChallengeParams {
  matrixSize: number;
  productsPerGpu: number;
  /** gpuCount × productsPerGpu. */
  products: number;
  audited: number;
  rounds: number;
  deadlineMs: number;
  computeMs: number;
  allowanceMs: number;
}

export const MAX_GPU_COUNT = 64;

/** The card's fastest exact path in datasheet T(FL)OPS: INT8 tensor cores where it has them, else fp16. */
export function exactRate(model: Pick<GpuModel, "tflops" | "int8Tops">): number {
  return Math.max(model.tflops, model.int8Tops);
}

export function challengeParams(gpuModelId: string, gpuCount: number, profile: PogProfileName): ChallengeParams {
  const model = gpuModelById(gpuModelId);
  if (!model) throw new Error(`unknown GPU model "${gpuModelId}" (known: ${GPU_MODELS.map((m) => m.id).join(", ")})`);
  if (!Number.isInteger(gpuCount) || gpuCount < 1 || gpuCount > MAX_GPU_COUNT)
    throw new Error(`gpuCount must be an integer in [1, ${MAX_GPU_COUNT}], got ${gpuCount}`);
  const p = POG_PROFILES[profile];
  if (!p) throw new Error(`unknown proof-of-GPU profile "${profile}" (gpu or local)`);
  const n = p.matrixSize;
  const work = 2 * n ** 3;
  const rate = exactRate(model) * p.flopsPerTflops;
  const productsPerGpu = Math.max(1, Math.round(((p.targetComputeMs / 1000) * rate) / work));
  const products = productsPerGpu * gpuCount;
  const serial = p.parallelGpus ? productsPerGpu : products;
  const computeMs = ((serial * work) / (rate * p.efficiency)) * 1000;
  return {
    matrixSize: n,
    productsPerGpu,
    products,
    audited: Math.min(p.audited, products),
    rounds: p.rounds,
    deadlineMs: Math.ceil(computeMs + p.allowanceMs),
    computeMs,
    allowanceMs: p.allowanceMs,
  };
}

/** The deadline table for one GPU of each known model (docs and tests). */
export function deadlineTable(profile: PogProfileName, gpuCount = 1): Array<{ model: string; tflops: number; int8Tops: number } & ChallengeParams> {
  return GPU_MODELS.map((m) => ({ model: m.id, tflops: m.tflops, int8Tops: m.int8Tops, ...challengeParams(m.id, gpuCount, profile) }));
}
