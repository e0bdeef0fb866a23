import { createConfig, http, injected } from "wagmi";
import { defineChain, type Chain } from "viem";
import { devWallet } from "./dev-wallet";
import { LOCAL_CHAIN_ID } from "./dev-accounts";

export function appChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === LOCAL_CHAIN_ID ? "Hardhat (local)" : `Gridlease chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export function makeWagmiConfig(chainId: number, rpcUrl: string) {
  const chain = appChain(chainId, rpcUrl);
  const connectors = chainId === LOCAL_CHAIN_ID ? [devWallet(chain), injected()] : [injected()];
  return createConfig({
    chains: [chain],
    connectors,
    transports: { [chain.id]: http(rpcUrl) },
    // EIP-6963: every installed wallet announces itself and becomes its own connector.
    multiInjectedProviderDiscovery: true,
    ssr: true,
    pollingInterval: chainId === LOCAL_CHAIN_ID ? 1_000 : 4_000,
  });
}
