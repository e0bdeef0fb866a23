"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { WagmiProvider, type Config } from "wagmi";
import { useAppConfig } from "@/lib/app-config";
import { makeWagmiConfig } from "@/lib/wallet/config";

// One wagmi config and one query cache per page load, shared by every wallet island: the header's
// wallet button and each page's wallet-aware parts see the same connection and the same reads.
let shared: { key: string; wagmi: Config; queries: QueryClient } | undefined;

function sharedClients(chainId: number, rpcUrl: string) {
  // On the server a module-level cache would be shared between visitors; render with fresh ones.
  if (typeof window === "undefined") {
    return { wagmi: makeWagmiConfig(chainId, rpcUrl), queries: new QueryClient() };
  }
  const key = `${chainId}|${rpcUrl}`;
  if (shared?.key !== key) {
    shared = { key, wagmi: makeWagmiConfig(chainId, rpcUrl), queries: new QueryClient({ defaultOptions: { queries: { staleTime: 2_000, retry: 1 } } }) };
  }
  return shared;
}

/**
 * Wallet context for the parts of a page that need it. Kept out of the root layout so pages that
 * only read the database (the marketplace) ship no wallet code in their first load.
 */
export function WalletProviders({ children }: { children: ReactNode }) {
  const { chainId, rpcUrl } = useAppConfig();
  const { wagmi, queries } = sharedClients(chainId, rpcUrl);
  return (
    <WagmiProvider config={wagmi}>
      <QueryClientProvider client={queries}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}
