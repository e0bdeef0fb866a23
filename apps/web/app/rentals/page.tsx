import type { Metadata } from "next";
import Link from "next/link";
import { BillingHistory } from "@/components/billing/billing-history";
import { AddressSync, ConnectPrompt } from "@/components/common/address-sync";
import { FaucetButton } from "@/components/common/faucet-button";
import { LeaseCard } from "@/components/rentals/lease-card";
import { OutageWatcher } from "@/components/rentals/outage-watcher";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { addressParam } from "@/lib/server/address-param";
import { leasesOfRenter } from "@/lib/server/leases";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import type { RawSearchParams } from "@/lib/search-params";

export const metadata: Metadata = { title: "Your rentals" };

export default async function RentalsPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const address = addressParam(await searchParams);
  const { CHAIN_ID } = readRuntimeConfig();
  const leases = address ? await leasesOfRenter(CHAIN_ID, address) : [];
  const current = leases.filter((l) => l.status !== "Closed");
  const past = leases.filter((l) => l.status === "Closed");
  return (
    <WalletProviders>
      <div className="space-y-6">
        <AddressSync path="/rentals" address={address} />
        <header className="flex flex-wrap items-end justify-between gap-3">
          <h1 className="text-2xl font-bold">Your rentals</h1>
          <FaucetButton />
        </header>
        {!address ? (
          <ConnectPrompt what="your rentals" />
        ) : (
          <>
            <OutageWatcher renter={address} />
            <section className="space-y-3" aria-labelledby="active-title">
              <h2 id="active-title" className="text-lg font-semibold">
                Active and pending ({current.length})
              </h2>
              {current.length === 0 ? (
                <p className="text-sm text-slate-400">
                  Nothing running.{" "}
                  <Link prefetch={false} href="/" className="text-indigo-300 hover:underline">
                    Find a GPU
                  </Link>
                  .
                </p>
              ) : (
                <ul className="grid gap-3 lg:grid-cols-2">
                  {current.map((l) => (
                    <LeaseCard key={l.leaseId} lease={l} />
                  ))}
                </ul>
              )}
            </section>
            <section className="space-y-3" aria-labelledby="past-title">
              <h2 id="past-title" className="text-lg font-semibold">
                Past ({past.length})
              </h2>
              {past.length === 0 ? (
                <p className="text-sm text-slate-400">No finished rentals yet.</p>
              ) : (
                <ul className="grid gap-3 lg:grid-cols-2">
                  {past.map((l) => (
                    <LeaseCard key={l.leaseId} lease={l} />
                  ))}
                </ul>
              )}
            </section>
            <BillingHistory chainId={CHAIN_ID} account={address} role="renter" />
          </>
        )}
      </div>
    </WalletProviders>
  );
}
