import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { SiteHeader } from "@/components/site-header";
import { loadClientConfig } from "@/lib/server/client-config";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Gridlease — rent GPUs by the second", template: "%s · Gridlease" },
  description: "An open GPU compute marketplace: on-chain listings, streaming escrow, arbiters for disputes.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#020617" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Chain id, RPC URL and addresses come from the running server's env, never from the build.
  await connection();
  const config = await loadClientConfig();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers config={config}>
          <SiteHeader />
          <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
