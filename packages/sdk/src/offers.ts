import { hexToString, stringToHex, type Hex } from "viem";

/**
 * `OfferSpec` as people write it: GPU model and region as text. On-chain they are ASCII bytes32,
 * right-padded with zero bytes (docs/protocol.md).
 */
export interface OfferSpecDraft {
  gpuModel: string;
  gpuCount: number;
  vramGb: number;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
  bandwidthMbps: number;
  region: string;
  pricePerGpuHour: bigint;
  minHours: number;
  maxHours: number;
}

export type OfferSpecOnChain = Omit<OfferSpecDraft, "gpuModel" | "region"> & { gpuModel: Hex; region: Hex };

export const textToBytes32 = (text: string): Hex => stringToHex(text, { size: 32 });

/** The text in a right-padded bytes32 (trailing zero bytes dropped). */
export const bytes32ToText = (value: Hex): string => hexToString(value, { size: 32 }).replace(/\0+$/, "");

export function encodeOfferSpec<T extends OfferSpecDraft>(draft: T): Omit<T, "gpuModel" | "region"> & { gpuModel: Hex; region: Hex } {
  return { ...draft, gpuModel: textToBytes32(draft.gpuModel), region: textToBytes32(draft.region) };
}

export function decodeOfferSpec<T extends OfferSpecOnChain>(spec: T): Omit<T, "gpuModel" | "region"> & { gpuModel: string; region: string } {
  return { ...spec, gpuModel: bytes32ToText(spec.gpuModel), region: bytes32ToText(spec.region) };
}

/** EIP-2612 `Permit` typed-data types, for signing approvals that `bookWithPermit`/`registerWithPermit` take. */
export { PERMIT_TYPES } from "./protocol";
