/**
 * Proof of GPU (issue 21, docs/proof-of-gpu.md): seeded matrix-product challenges sized from the GPU table,
 * answered with per-product fingerprints before a deadline, audited afterwards with Freivalds' check.
 * Import as `@gridlease/sdk/proof-of-gpu`.
 */
export { heartbeatDomain as proofOfGpuDomain } from "../heartbeat";
export * from "./freivalds";
export { lowbias32, MAX_PRODUCTS, seedWords } from "./hash";
export * from "./matrices";
export * from "./params";
export * from "./protocol";
