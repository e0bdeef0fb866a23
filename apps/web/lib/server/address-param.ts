import { getAddress, isAddress, type Address } from "viem";
import type { RawSearchParams } from "@/lib/search-params";

/** The `?address=` of a dashboard URL, checksummed; null when absent or not an address. */
export function addressParam(params: RawSearchParams): Address | null {
  const raw = params.address;
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value && isAddress(value, { strict: false }) ? getAddress(value) : null;
}

/** The indexer stores addresses lowercased (apps/indexer/src/events.ts); people paste them checksummed. */
export function dbAddress(address: Address): string {
  return address.toLowerCase();
}
