import type { Metadata } from "next";
import { ArbiterConsole } from "@/components/admin/arbiter-console";
import { WalletProviders } from "@/components/wallet/wallet-providers";

export const metadata: Metadata = { title: "Arbiter console" };

export default function AdminPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-bold">Arbiter console</h1>
        <p className="text-sm text-slate-400">
          Disputes with their evidence and lease history. Decide the split of what is left in escrow, and optionally slash the provider&apos;s stake to the
          renter.
        </p>
      </header>
      <WalletProviders>
        <ArbiterConsole />
      </WalletProviders>
    </div>
  );
}
