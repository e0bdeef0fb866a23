import { describe, expect, it } from "vitest";
import { GPU_MODELS } from "../gpus";
import { answerChallenge, challengeParams, deadlineTable, exactRate, newCheckId, POG_PROFILES } from "./index";

describe("challenge parameters", () => {
  it("every model's deadline is the documented formula applied to its datasheet fp16 TFLOPS or INT8 TOPS, whichever is faster", () => {
    for (const profileName of ["gpu", "local"] as const) {
      const p = POG_PROFILES[profileName];
      for (const model of GPU_MODELS) {
        for (const gpuCount of [1, 8]) {
          const work = 2 * p.matrixSize ** 3;
          const rate = Math.max(model.tflops, model.int8Tops) * p.flopsPerTflops;
          const perGpu = Math.max(1, Math.round(((p.targetComputeMs / 1000) * rate) / work));
          const serial = p.parallelGpus ? perGpu : perGpu * gpuCount;
          const computeMs = ((serial * work) / (rate * p.efficiency)) * 1000;
          const got = challengeParams(model.id, gpuCount, profileName);
          expect(got).toMatchObject({ matrixSize: p.matrixSize, productsPerGpu: perGpu, products: perGpu * gpuCount, rounds: p.rounds });
          expect(got.deadlineMs).toBe(Math.ceil(computeMs + p.allowanceMs));
          expect(got.audited).toBe(Math.min(p.audited, perGpu * gpuCount));
        }
      }
    }
  });

  it("a faster model gets more products for about the same deadline, so a card under 1/2.6 as fast claiming it runs out of time", () => {
    let compared = 0;
    const rate = (m: (typeof GPU_MODELS)[number]) => Math.max(m.tflops, m.int8Tops);
    for (const slowModel of GPU_MODELS) {
      for (const fastModel of GPU_MODELS) {
        if (rate(fastModel) <= rate(slowModel)) continue;
        const slow = challengeParams(slowModel.id, 1, "gpu");
        const fast = challengeParams(fastModel.id, 1, "gpu");
        expect(fast.productsPerGpu).toBeGreaterThan(slow.productsPerGpu);
        expect(Math.abs(fast.deadlineMs - slow.deadlineMs)).toBeLessThanOrEqual(0.01 * slow.deadlineMs);
        // The slower card doing the faster card's work even at 100 % of its own fastest datasheet rate (INT8 where
        // it has it; A100 for H100: 3.2×):
        const slowNeedsMs = ((fast.productsPerGpu * 2 * fast.matrixSize ** 3) / (rate(slowModel) * 1e12)) * 1000;
        if (rate(fastModel) >= 2.6 * rate(slowModel)) {
          expect(slowNeedsMs).toBeGreaterThan(fast.deadlineMs);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("GPUs of one offer work in parallel on a GPU host and in turn on the local CPU", () => {
    const one = challengeParams("H100-SXM", 1, "gpu");
    const eight = challengeParams("H100-SXM", 8, "gpu");
    expect(eight.products).toBe(8 * one.products);
    expect(eight.deadlineMs).toBe(one.deadlineMs);
    const localOne = challengeParams("H100-SXM", 1, "local");
    const localEight = challengeParams("H100-SXM", 8, "local");
    expect(localEight.computeMs).toBeCloseTo(8 * localOne.computeMs, 6);
  });

  it("refuses an unknown model or GPU count with a clear error", () => {
    expect(() => challengeParams("H900", 1, "gpu")).toThrow(/unknown GPU model "H900"/);
    expect(() => challengeParams("H100-SXM", 0, "gpu")).toThrow(/gpuCount/);
  });

  it("the table lists every model once", () => {
    expect(deadlineTable("gpu").map((r) => r.model)).toEqual(GPU_MODELS.map((m) => m.id));
  });

  it("the local profile's largest challenge (8 of the fastest model) is answered by the CPU reference within its deadline", () => {
    const fastest = [...GPU_MODELS].sort((x, y) => exactRate(y) - exactRate(x))[0];
    const params = challengeParams(fastest.id, 8, "local");
    const answer = answerChallenge({ checkId: newCheckId(), seed: newCheckId(), matrixSize: params.matrixSize, products: params.products });
    expect(answer.fingerprints).toHaveLength(params.products);
    expect(answer.computeMs).toBeLessThan(params.deadlineMs);
  });
});
