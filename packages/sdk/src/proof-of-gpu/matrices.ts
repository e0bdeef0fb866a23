import type { Hex } from "viem";
import { TAG_FINGERPRINT, TAG_WEIGHT_COLS, TAG_WEIGHT_ROWS, lowbias32, matrixKeys, seedKey, seedWords } from "./hash";

/**
 * Operand generation, the reference product and the fingerprint. Shapes are n×n, row-major.
 *
 * Entries are in {-1, 0, 1}: every entry of C = A·B is then an integer with |c| ≤ n, which fp16 inputs with
 * fp32 accumulation compute exactly on a GPU's tensor cores, int16 stores, and float64 checks exactly.
 * One hash word gives 16 entries (2 bits each, 0→0, 1→1, 2→-1, 3→0): generating the operands then costs a
 * sixteenth of a hash per entry, which keeps it small next to the n³ multiply on a GPU.
 */
const ENTRY = [0, 1, -1, 0] as const;

export function checkSize(n: number): void {
  // Multiple of 16: whole hash words per row. ≤ 8192: |c| ≤ n fits int16 and the Freivalds sums stay exact.
  if (!Number.isInteger(n) || n < 16 || n > 8192 || n % 16 !== 0) throw new Error(`matrix size must be a multiple of 16 in [16, 8192], got ${n}`);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte b of a hash word (4 entries) → those 4 entries packed as int8s in a little-endian int32. */
const BYTE_TO_ENTRIES = (() => {
  const table = new Int32Array(256);
  const bytes = new Int8Array(table.buffer);
  for (let b = 0; b < 256; b++) for (let s = 0; s < 4; s++) bytes[b * 4 + s] = ENTRY[(b >>> (2 * s)) & 3];
  return table;
})();

function generate(seed: Hex, j: number, n: number, which: 0 | 1): Int8Array {
  checkSize(n);
  const [k0, k1] = matrixKeys(seedWords(seed), j, which);
  const out = new Int8Array(n * n);
  const wordCount = (n * n) / 16;
  if (LITTLE_ENDIAN) {
    // Four entries per store: the checker generates 2·n² entries per audited product, so this is most of its time.
    const out32 = new Int32Array(out.buffer);
    for (let w = 0; w < wordCount; w++) {
      const word = lowbias32((lowbias32((w ^ k0) >>> 0) ^ k1) >>> 0);
      const base = w * 4;
      out32[base] = BYTE_TO_ENTRIES[word & 255];
      out32[base + 1] = BYTE_TO_ENTRIES[(word >>> 8) & 255];
      out32[base + 2] = BYTE_TO_ENTRIES[(word >>> 16) & 255];
      out32[base + 3] = BYTE_TO_ENTRIES[word >>> 24];
    }
    return out;
  }
  for (let w = 0; w < wordCount; w++) {
    const word = lowbias32((lowbias32((w ^ k0) >>> 0) ^ k1) >>> 0);
    const base = w * 16;
    for (let s = 0; s < 16; s++) out[base + s] = ENTRY[(word >>> (2 * s)) & 3];
  }
  return out;
}

/** A_j of the challenge with this seed. */
export function generateA(seed: Hex, j: number, n: number): Int8Array {
  return generate(seed, j, n, 0);
}

/** B_j of the challenge with this seed. */
export function generateB(seed: Hex, j: number, n: number): Int8Array {
  return generate(seed, j, n, 1);
}

/**
 * C = A·B on the CPU (the reference the GPU path must match). i-k-j order streams rows of B and C through
 * the cache, zero entries of A (half of them) are skipped and ±1 is an add or a subtract, not a multiply.
 */
export function multiply(a: Int8Array, b: Int8Array, n: number): Int16Array {
  if (a.length !== n * n || b.length !== n * n) throw new Error(`operands must hold ${n}×${n} entries`);
  const c = new Int16Array(n * n);
  const row = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    const ai = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ai + k];
      if (aik === 0) continue;
      const bk = k * n;
      if (aik === 1) for (let x = 0; x < n; x++) row[x] += b[bk + x];
      else for (let x = 0; x < n; x++) row[x] -= b[bk + x];
    }
    c.set(row, ai);
  }
  return c;
}

/** The per-challenge weight vectors u (rows) and v (columns) of the fingerprint. */
export function fingerprintWeights(seed: Hex, n: number): { u: Uint32Array; v: Uint32Array; start: number } {
  const words = seedWords(seed);
  const ku = seedKey(words, TAG_WEIGHT_ROWS);
  const kv = seedKey(words, TAG_WEIGHT_COLS);
  const u = new Uint32Array(n);
  const v = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = lowbias32((i ^ ku) >>> 0);
    v[i] = lowbias32((i ^ kv) >>> 0);
  }
  return { u, v, start: seedKey(words, TAG_FINGERPRINT) };
}

/**
 * f_j = hash(start ^ j) + Σ_i u_i · Σ_k v_k · (c_ik + n)²  (mod 2^32), a uint32.
 * The square makes it non-linear in C: a linear form wᵀCv = (wᵀA)(Bv) would cost O(n²) without computing C,
 * while Σ v_k c_ik² = a_iᵀ (B diag(v) Bᵀ) a_i needs an n³ product either way. Every entry counts, so one wrong
 * entry changes f unless u_i·v_k·Δ ≡ 0 (mod 2^32). Exact in doubles: (c+n)² < 2^26 and partial sums < 2^33.
 */
export function fingerprint(c: Int16Array, n: number, seed: Hex, j: number, weights = fingerprintWeights(seed, n)): number {
  if (c.length !== n * n) throw new Error(`product must hold ${n}×${n} entries`);
  const { u, v, start } = weights;
  let f = lowbias32((start ^ j) >>> 0);
  for (let i = 0; i < n; i++) {
    let g = 0;
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const t = c[ci + k] + n;
      g = (g + (Math.imul(t * t, v[k]) >>> 0)) >>> 0;
    }
    f = (f + (Math.imul(u[i], g) >>> 0)) >>> 0;
  }
  return f;
}
