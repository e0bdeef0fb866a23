import type { Hex } from "viem";
import { fingerprint, generateA, generateB } from "./matrices";

/**
 * Freivalds' check of C = A·B: pick r uniform in [0, 2^20)^n and compare A·(B·r) with C·r, O(n²) per round.
 * If C ≠ A·B, some row d of D = A·B − C has an entry d_k ≠ 0; whatever the other coordinates of r are, at
 * most one value of r_k makes d·r = 0, so one round passes a wrong C with probability ≤ 2^-20 and `rounds`
 * independent rounds with ≤ 2^(-20·rounds): 2 rounds ≤ 2^-40.
 * Exact in float64: |b|,|a| ≤ 1 and |c| ≤ n ≤ 8192 = 2^13, so |B·r|_i < 2^33, |A·(B·r)|_i < 2^46, |C·r|_i < 2^46 < 2^53.
 */
export const FREIVALDS_R_BITS = 20;

/** Uniform uint32 values; tests pass their own to plant errors against a known r. */
export type Uint32Source = () => number;

export const cryptoUint32: Uint32Source = (() => {
  // Buffered: one getRandomValues call per 1024 values instead of per value.
  const buf = new Uint32Array(1024);
  let at = buf.length;
  return () => {
    if (at === buf.length) {
      globalThis.crypto.getRandomValues(buf);
      at = 0;
    }
    return buf[at++];
  };
})();

export function freivalds(a: Int8Array, b: Int8Array, c: Int16Array, n: number, rounds: number, random: Uint32Source = cryptoUint32): boolean {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${rounds}`);
  if (a.length !== n * n || b.length !== n * n || c.length !== n * n) throw new Error(`operands must hold ${n}×${n} entries`);
  const r = new Float64Array(n);
  const br = new Float64Array(n);
  const mask = (1 << FREIVALDS_R_BITS) - 1;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < n; k++) r[k] = random() & mask;
    for (let l = 0; l < n; l++) br[l] = dot(b, l * n, r, n);
    for (let i = 0; i < n; i++) {
      if (dot(a, i * n, br, n) !== dot(c, i * n, r, n)) return false;
    }
  }
  return true;
}

function dot(m: Int8Array | Int16Array, offset: number, x: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += m[offset + k] * x[k];
  return s;
}

/** C_j as the agent serves it for an audit: n² int16, little-endian, row-major. */
export function productToBytes(c: Int16Array): Uint8Array {
  const bytes = new Uint8Array(c.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < c.length; i++) view.setInt16(i * 2, c[i], true);
  return bytes;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The int16 LE bytes as entries: a view without copying (32 MiB less for the checker at n = 4096) where the platform allows. */
export function productFromBytes(bytes: Uint8Array, n: number): Int16Array {
  if (bytes.length !== 2 * n * n) throw new Error(`expected ${2 * n * n} bytes, got ${bytes.length}`);
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n * n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = new Int16Array(n * n);
  for (let i = 0; i < c.length; i++) c[i] = view.getInt16(i * 2, true);
  return c;
}

export interface AuditInput {
  seed: Hex;
  j: number;
  n: number;
  /** What the agent sent for product j (int16 LE). */
  bytes: Uint8Array;
  /** The fingerprint the agent committed to for product j, before it knew which products would be audited. */
  fingerprint: number;
  rounds: number;
  random?: Uint32Source;
}

export type AuditResult = { ok: true } | { ok: false; reason: string };

/** Checks one fetched product against the committed fingerprint and against A_j·B_j (Freivalds). */
export function verifyAudit(input: AuditInput): AuditResult {
  const { seed, j, n, bytes, rounds } = input;
  if (bytes.length !== 2 * n * n) return { ok: false, reason: `product ${j}: got ${bytes.length} bytes, expected ${2 * n * n} (${n}×${n} int16)` };
  const c = productFromBytes(bytes, n);
  const f = fingerprint(c, n, seed, j);
  if (f !== input.fingerprint)
    return { ok: false, reason: `product ${j}: fingerprint of the served product is ${f}, the answer committed to ${input.fingerprint}` };
  if (!freivalds(generateA(seed, j, n), generateB(seed, j, n), c, n, rounds, input.random)) {
    return { ok: false, reason: `product ${j}: Freivalds check failed (A·(B·r) ≠ C·r), the served product is not A_${j}·B_${j}` };
  }
  return { ok: true };
}

/** `count` distinct product indices in [0, products), uniform, from the checker's own randomness. */
export function pickAudited(products: number, count: number, random: Uint32Source = cryptoUint32): number[] {
  const k = Math.min(count, products);
  const picked = new Set<number>();
  while (picked.size < k) {
    // Rejection sampling keeps the choice uniform for any product count (a plain modulo would not).
    const limit = Math.floor(0x100000000 / products) * products;
    let x = random();
    while (x >= limit) x = random();
    picked.add(x % products);
  }
  return [...picked].sort((x, y) => x - y);
}
