import type { Hex } from "viem";

/**
 * The counter-based 32-bit hash everything in a challenge is expanded with. It must be computed
 * bit-identically by this file (JS numbers: Math.imul and >>> keep it in uint32), by apps/agent/gpu/pog.py
 * (numpy uint32 / torch int64 masked to 32 bits) and by anyone who wants to check an agent, so it is
 * deliberately tiny: Chris Wellons' "lowbias32" finalizer (a bijection on 32 bits with low avalanche bias).
 * It is not a cryptographic hash; the seed it is keyed with is (keccak of a block hash, see protocol.ts),
 * and the only property needed is that nobody can know the matrices before the seed exists.
 */
export function lowbias32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seed (bytes32) as eight big-endian uint32 words. */
export function seedWords(seed: Hex): Uint32Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(seed)) throw new Error(`seed must be 32 bytes of hex, got ${seed}`);
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number.parseInt(seed.slice(2 + i * 8, 10 + i * 8), 16);
  return words;
}

/**
 * A 32-bit key from the seed and a tag: hash(tag), then fold in each seed word through the hash, so every
 * key depends on all 256 seed bits. Tags separate what the key is for (see the TAG_* constants); product
 * tags are j·4 + matrix·2 + half, so products stay below MAX_PRODUCTS to keep them apart from the others.
 */
export function seedKey(words: Uint32Array, tag: number): number {
  let h = lowbias32(tag);
  for (const w of words) h = lowbias32((h ^ w) >>> 0);
  return h;
}

export const MAX_PRODUCTS = 1 << 24;
export const TAG_WEIGHT_ROWS = 0xfffffff0;
export const TAG_WEIGHT_COLS = 0xfffffff1;
export const TAG_FINGERPRINT = 0xfffffff2;

/** The two 32-bit keys of matrix `which` (0 = A, 1 = B) of product j. */
export function matrixKeys(words: Uint32Array, j: number, which: 0 | 1): [number, number] {
  if (!Number.isInteger(j) || j < 0 || j >= MAX_PRODUCTS) throw new Error(`product index ${j} out of range [0, ${MAX_PRODUCTS})`);
  const base = j * 4 + which * 2;
  return [seedKey(words, base), seedKey(words, base + 1)];
}
