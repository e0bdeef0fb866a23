import { recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  answerChallenge,
  type Challenge,
  challengeAnswerSchema,
  challengeSchema,
  checkAnswerShape,
  deriveSeed,
  FREIVALDS_R_BITS,
  fingerprint,
  freivalds,
  GPU_CHECK_OUTCOMES,
  GPU_CHECK_TYPES,
  generateA,
  generateB,
  gpuCheckOutcomeIndex,
  lowbias32,
  multiply,
  newCheckId,
  POG_PROFILES,
  parseFingerprint,
  pickAudited,
  productBytes,
  productToBytes,
  proofOfGpuDomain,
  verifyAudit,
} from "./index";

const seedA = deriveSeed(`0x${"ab".repeat(32)}`, `0x${"01".repeat(32)}`);
const seedB = deriveSeed(`0x${"ab".repeat(32)}`, `0x${"02".repeat(32)}`);
const N = 48;

/** Counter-based uint32 stream for reproducible trials (the checker itself uses crypto randomness). */
function stream(start: number) {
  let i = start;
  return () => lowbias32(i++ ^ 0x5bd1e995);
}

function naiveProduct(a: Int8Array, b: Int8Array, n: number): number[] {
  const c: number[] = [];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += a[i * n + l] * b[l * n + k];
      c.push(s);
    }
  return c;
}

describe("the challenge hash", () => {
  it("matches Wellons' C lowbias32 (vectors printed by the uint32_t C code compiled with gcc)", () => {
    const vectors = [
      [0x00000000, 0x00000000],
      [0x00000001, 0x688990c0],
      [0x00000002, 0xd1132181],
      [0xdeadbeef, 0xe628c683],
      [0x80000000, 0xcc4b4124],
      [0xffffffff, 0x6768824a],
      [0x075bcd15, 0xa8f1db88],
    ];
    for (const [x, h] of vectors) expect(lowbias32(x)).toBe(h);
  });

  it("agrees with an exact BigInt evaluation on 2000 inputs", () => {
    const M = 0xffffffffn;
    const ref = (x: bigint) => {
      let h = x;
      h ^= h >> 16n;
      h = (h * 0x7feb352dn) & M;
      h ^= h >> 15n;
      h = (h * 0x846ca68bn) & M;
      h ^= h >> 16n;
      return Number(h);
    };
    const next = stream(7);
    for (let t = 0; t < 2000; t++) {
      const x = next();
      expect(lowbias32(x)).toBe(ref(BigInt(x)));
    }
  });
});

describe("operands and the reference product", () => {
  it("are entries in {-1,0,1}, differ between products, A and B, and seeds, and repeat for the same inputs", () => {
    const a = generateA(seedA, 3, N);
    const counts = new Map<number, number>();
    for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([-1, 0, 1]);
    // 2 bits per entry: 0 with probability 1/2, ±1 with 1/4 each (2304 entries, loose bounds).
    expect(counts.get(0)).toBeGreaterThan(0.4 * N * N);
    expect(counts.get(1)).toBeGreaterThan(0.18 * N * N);
    expect(generateA(seedA, 3, N)).toEqual(a);
    for (const other of [generateA(seedA, 4, N), generateB(seedA, 3, N), generateA(seedB, 3, N)]) expect(other).not.toEqual(a);
  });

  it("multiply equals the textbook triple loop", () => {
    const a = generateA(seedA, 0, N);
    const b = generateB(seedA, 0, N);
    expect([...multiply(a, b, N)]).toEqual(naiveProduct(a, b, N));
  });

  it("refuse sizes that are not a multiple of 16", () => {
    expect(() => generateA(seedA, 0, 40)).toThrow(/multiple of 16/);
  });
});

describe("Freivalds audit", () => {
  const a = generateA(seedA, 1, N);
  const b = generateB(seedA, 1, N);
  const c = multiply(a, b, N);

  it("accepts the honest product", () => {
    expect(freivalds(a, b, c, N, 2)).toBe(true);
  });

  it("catches a single wrong entry at every one of 40 random positions with 2 rounds", () => {
    const next = stream(100);
    for (let t = 0; t < 40; t++) {
      const bad = c.slice();
      const at = next() % (N * N);
      bad[at] += next() % 2 ? 1 : -1;
      expect(freivalds(a, b, bad, N, 2)).toBe(false);
    }
  });

  it("with one round and r < 2^20 catches a planted single-entry error in 200 of 200 trials", () => {
    // A single wrong entry (i,k) escapes one round only when r_k = 0: probability 2^-20 per trial, so this
    // fails by chance in about 2 of 10 000 runs (crypto randomness, as the checker uses).
    let caught = 0;
    const next = stream(999);
    for (let t = 0; t < 200; t++) {
      const bad = c.slice();
      bad[next() % (N * N)] += 1 + (next() % 5);
      if (!freivalds(a, b, bad, N, 1)) caught++;
    }
    expect(caught).toBe(200);
  });

  it("lets a single-entry error through exactly when its column's r is 0, so a round passes it with probability 2^-20", () => {
    const bad = c.slice();
    const col = 17;
    bad[5 * N + col] -= 3;
    // A random source giving r_col = 0 and anything else elsewhere: the error is invisible to that round.
    let k = 0;
    const zeroAtCol = () => (k++ % N === col ? 0 : 12345 + k);
    expect(freivalds(a, b, bad, N, 1, zeroAtCol)).toBe(true);
    k = 0;
    const oneAtCol = () => (k++ % N === col ? 1 : 12345 + k);
    expect(freivalds(a, b, bad, N, 1, oneAtCol)).toBe(false);
    // Each round draws r afresh; both rounds must hit r_col = 0: the profiles' bound is 2^-(20·rounds) ≤ 2^-40.
    for (const profile of Object.values(POG_PROFILES)) expect(-FREIVALDS_R_BITS * profile.rounds).toBeLessThanOrEqual(-40);
  });
});

describe("fingerprints and answers", () => {
  const challenge: Pick<Challenge, "checkId" | "seed" | "matrixSize" | "products"> = {
    checkId: `0x${"01".repeat(32)}`,
    seed: seedA,
    matrixSize: N,
    products: 6,
  };

  it("change when a single entry of C changes", () => {
    const c = multiply(generateA(seedA, 2, N), generateB(seedA, 2, N), N);
    const f = fingerprint(c, N, seedA, 2);
    const next = stream(5);
    for (let t = 0; t < 50; t++) {
      const bad = c.slice();
      bad[next() % (N * N)] += 1;
      expect(fingerprint(bad, N, seedA, 2)).not.toBe(f);
    }
  });

  it("an honest answer commits to its fingerprints and every audited product verifies", () => {
    const answer = answerChallenge(challenge);
    expect(challengeAnswerSchema.parse(answer)).toEqual(answer);
    expect(checkAnswerShape(challenge, answer)).toBeUndefined();
    for (const j of pickAudited(challenge.products, 6)) {
      const result = verifyAudit({ seed: seedA, j, n: N, bytes: productBytes(seedA, j, N), fingerprint: parseFingerprint(answer.fingerprints[j]), rounds: 2 });
      expect(result).toEqual({ ok: true });
    }
  });

  it("an audit names the product and the check that failed", () => {
    const answer = answerChallenge(challenge);
    const c = multiply(generateA(seedA, 4, N), generateB(seedA, 4, N), N);
    c[N * N - 1] += 1;
    const f = parseFingerprint(answer.fingerprints[4]);
    // Served C differs from the one fingerprinted: the fingerprint check catches it first.
    expect(verifyAudit({ seed: seedA, j: 4, n: N, bytes: productToBytes(c), fingerprint: f, rounds: 2 })).toMatchObject({
      ok: false,
      reason: /product 4: fingerprint/,
    });
    // A cheater who fingerprinted its own wrong C: the fingerprint matches, Freivalds does not.
    const own = fingerprint(c, N, seedA, 4);
    expect(verifyAudit({ seed: seedA, j: 4, n: N, bytes: productToBytes(c), fingerprint: own, rounds: 2 })).toMatchObject({
      ok: false,
      reason: /product 4: Freivalds/,
    });
    expect(verifyAudit({ seed: seedA, j: 4, n: N, bytes: new Uint8Array(10), fingerprint: f, rounds: 2 })).toMatchObject({ ok: false, reason: /10 bytes/ });
  });

  it("an answer replayed from another seed fails: commitment, fingerprints and served products", () => {
    const old = answerChallenge({ ...challenge, seed: seedB });
    expect(checkAnswerShape(challenge, old)).toMatch(/commitment/);
    const fresh = answerChallenge(challenge);
    for (let j = 0; j < challenge.products; j++) {
      expect(old.fingerprints[j]).not.toBe(fresh.fingerprints[j]);
      // Even re-committed under the new seed, the old products do not pass the audit.
      const replay = verifyAudit({ seed: seedA, j, n: N, bytes: productBytes(seedB, j, N), fingerprint: parseFingerprint(old.fingerprints[j]), rounds: 2 });
      expect(replay.ok).toBe(false);
    }
  });

  it("answers for another check or with missing products are refused", () => {
    const answer = answerChallenge(challenge);
    expect(checkAnswerShape({ ...challenge, checkId: newCheckId() }, answer)).toMatch(/answer is for check/);
    expect(checkAnswerShape(challenge, { ...answer, fingerprints: answer.fingerprints.slice(1) })).toMatch(/5 fingerprints/);
  });

  it("picks distinct audited products in range", () => {
    const picked = pickAudited(10, 4);
    expect(new Set(picked).size).toBe(4);
    for (const j of picked) expect(j >= 0 && j < 10).toBe(true);
    expect(pickAudited(3, 8)).toEqual([0, 1, 2]);
  });
});

describe("wire and signatures", () => {
  it("the challenge schema names a bad field", () => {
    const good = {
      checkId: newCheckId(),
      chainId: 31337,
      seedBlock: 12,
      seed: seedA,
      provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      offerId: "3",
      gpuModel: "H100-SXM",
      gpuCount: 8,
      matrixSize: 64,
      products: 600,
      deadlineMs: 3637,
    };
    expect(challengeSchema.parse(good)).toEqual(good);
    const bad = challengeSchema.safeParse({ ...good, matrixSize: 60 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(["matrixSize"]);
  });

  it("outcomes are indexed with None as zero", () => {
    expect(gpuCheckOutcomeIndex("None")).toBe(0);
    expect(GPU_CHECK_OUTCOMES[gpuCheckOutcomeIndex("TimedOut")]).toBe("TimedOut");
  });

  it("a GpuCheck signed by the checker recovers to it and not for another deployment", async () => {
    const checker = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    const domain = proofOfGpuDomain({ chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });
    const message = {
      checkId: newCheckId(),
      provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      offerId: 3n,
      gpuModel: "H100-SXM",
      gpuCount: 8,
      seed: seedA,
      outcome: gpuCheckOutcomeIndex("Passed"),
      elapsedMs: 1234,
      deadlineMs: 6001,
      commitment: seedB,
    } as const;
    const signature = await checker.signTypedData({ domain, types: GPU_CHECK_TYPES, primaryType: "GpuCheck", message });
    expect(await recoverTypedDataAddress({ domain, types: GPU_CHECK_TYPES, primaryType: "GpuCheck", message, signature })).toBe(checker.address);
    const other = { ...domain, chainId: 1 };
    expect(await recoverTypedDataAddress({ domain: other, types: GPU_CHECK_TYPES, primaryType: "GpuCheck", message, signature })).not.toBe(checker.address);
  });
});
