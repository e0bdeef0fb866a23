import type { Metadata } from "next";
import { AddressSync, ConnectPrompt } from "@/components/common/address-sync";
import { AgentStatus } from "@/components/provider/agent-status";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { shortAddress } from "@/lib/format";
import { addressParam } from "@/lib/server/address-param";
import type { RawSearchParams } from "@/lib/search-params";

export const metadata: Metadata = { title: "Provider agent" };

export default async function ProvidePage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const address = addressParam(await searchParams);
  return (
    <WalletProviders>
      <div className="space-y-6">
        {/* The status component polls the API itself; the page only follows the connected wallet. */}
        <AddressSync path="/provide" address={address} refreshMs={60_000} />
        <header>
          <h1 className="text-2xl font-bold">Provider agent</h1>
          <p className="text-sm text-slate-400">
            {address ? shortAddress(address) : "The agent serves your bookings: it provisions access, accepts, and claims earnings."}
          </p>
        </header>
        {address ? <AgentStatus address={address} /> : <ConnectPrompt what="your provider agent's status" />}
      </div>
    </WalletProviders>
  );
}
