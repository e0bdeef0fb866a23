import { createPublicClient, http, type PublicClient } from "viem";
import { readRuntimeConfig } from "./runtime-config";

let cached: { key: string; client: PublicClient } | undefined;

/** One viem client per (RPC URL, chain id), shared by server components and routes. */
export function serverPublicClient(): PublicClient {
  const { RPC_URL, CHAIN_ID } = readRuntimeConfig();
  const key = `${RPC_URL}|${CHAIN_ID}`;
  if (cached?.key !== key) {
    const chain = {
      id: CHAIN_ID,
      name: `chain ${CHAIN_ID}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [RPC_URL] } },
    } as const;
    cached = { key, client: createPublicClient({ chain, transport: http(RPC_URL, { timeout: 10_000 }) }) as PublicClient };
  }
  return cached.client;
}
