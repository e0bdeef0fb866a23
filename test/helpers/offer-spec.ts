import { stringToHex } from "viem";

/**
 * The on-chain OfferSpec the contract tests list by default (8× H100, us-east, 1–720 h) at
 * `pricePerGpuHour`, with `overrides`. Kept apart from fixtures.ts (which loads Hardhat) so that
 * vitest suites outside Hardhat, such as the notifier's, list the same offer.
 */
export function h100OfferSpec(pricePerGpuHour: bigint, overrides: Partial<ReturnType<typeof baseSpec>> = {}) {
  return { ...baseSpec(pricePerGpuHour), ...overrides };
}

function baseSpec(pricePerGpuHour: bigint) {
  return {
    gpuModel: stringToHex("H100-SXM-80GB", { size: 32 }),
    gpuCount: 8,
    vramGb: 80,
    cpuCores: 64,
    ramGb: 512,
    diskGb: 2000,
    bandwidthMbps: 10_000,
    region: stringToHex("us-east", { size: 32 }),
    pricePerGpuHour,
    minHours: 1,
    maxHours: 720,
  };
}
