import type { Address, Hex } from "viem";

/** An offer as the offer page hands it to client components (amounts as decimal strings). */
export interface OfferView {
  offerId: string;
  provider: Address;
  providerEncryptionKey: Hex;
  gpuModel: string;
  gpuLabel: string;
  gpuCount: number;
  freeUnits: number;
  vramGb: number;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
  bandwidthMbps: number;
  region: string;
  pricePerGpuHour: string;
  minHours: number;
  maxHours: number;
  status: string;
}

export function depositFor(pricePerGpuHour: bigint, gpus: number, hours: number): bigint {
  return pricePerGpuHour * BigInt(gpus) * BigInt(hours);
}
