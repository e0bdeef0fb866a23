import { hexToString, stringToHex, type Hex } from "viem";

/**
 * `OfferSpec` as people write it: GPU model and region as text. On-chain they are ASCII bytes32,
 * right-padded with zero bytes (docs/protocol.md).
 */
export interface OfferSpecDraft extends OfferHardware {
  gpuModel: string;
  region: string;
  pricePerGpuHour: bigint;
  minHours: number;
  maxHours: number;
}

/** An offer's hardware as numbers: the same fields in the on-chain spec, the API's offers and the offer page. */
export interface OfferHardware {
  gpuCount: number;
  vramGb: number;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
  bandwidthMbps: number;
}

/** A listed offer as the API and the web app show it (price as a decimal string of token base units). */
export interface OfferListing extends OfferHardware {
  offerId: string;
  gpuModel: string;
  freeUnits: number;
  region: string;
  pricePerGpuHour: string;
  minHours: number;
  maxHours: number;
  status: string;
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
