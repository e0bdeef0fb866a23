"use client";
import dynamic from "next/dynamic";
import type { ReactNode } from "react";
import { AppConfigProvider, type ClientConfig } from "@/lib/app-config";

// Toasts only appear after a user action, so their code loads after the page is interactive.
const Toaster = dynamic(() => import("sonner").then((m) => m.Toaster), { ssr: false });

/** Runtime config for every client component; wallet context is added per island (WalletProviders). */
export function Providers({ config, children }: { config: ClientConfig; children: ReactNode }) {
  return (
    <AppConfigProvider value={config}>
      {children}
      <Toaster richColors closeButton position="bottom-right" theme="dark" />
    </AppConfigProvider>
  );
}
