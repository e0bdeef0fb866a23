"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import dynamic from "next/dynamic";
import { WagmiProvider } from "wagmi";
import { AppConfigProvider, type ClientConfig } from "@/lib/app-config";
import { makeWagmiConfig } from "@/lib/wallet/config";

// Toasts only appear after a user action, so their code loads after the page is interactive.
const Toaster = dynamic(() => import("sonner").then((m) => m.Toaster), { ssr: false });

export function Providers({ config, children }: { config: ClientConfig; children: ReactNode }) {
  const [wagmiConfig] = useState(() => makeWagmiConfig(config.chainId, config.rpcUrl));
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 2_000, retry: 1 } } }));
  return (
    <AppConfigProvider value={config}>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          {children}
          <Toaster richColors closeButton position="bottom-right" theme="dark" />
        </QueryClientProvider>
      </WagmiProvider>
    </AppConfigProvider>
  );
}
