import type { OfferListing } from "@gridlease/sdk/offers";
import type { Address, Hex } from "viem";

/** An offer as the offer page hands it to client components (amounts as decimal strings). */
export interface OfferView extends OfferListing {
  provider: Address;
  providerEncryptionKey: Hex;
  gpuLabel: string;
}

export function depositFor(pricePerGpuHour: bigint, gpus: number, hours: number): bigint {
  return pricePerGpuHour * BigInt(gpus) * BigInt(hours);
}
