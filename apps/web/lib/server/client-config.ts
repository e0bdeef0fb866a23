import type { ClientConfig } from "@/lib/app-config";
import { readRuntimeConfig } from "./runtime-config";
import { loadDeployment } from "./deployment";

/** Everything the browser needs to talk to the chain, resolved per request from the server's env. */
export async function loadClientConfig(): Promise<ClientConfig> {
  const { CHAIN_ID, RPC_URL } = readRuntimeConfig();
  return { chainId: CHAIN_ID, rpcUrl: RPC_URL, contracts: await loadDeployment(CHAIN_ID) };
}
