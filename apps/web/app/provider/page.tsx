import type { Metadata } from "next";
import { BillingHistory } from "@/components/billing/billing-history";
import { AddressSync, ConnectPrompt } from "@/components/common/address-sync";
import { FaucetButton } from "@/components/common/faucet-button";
import { EarningsChart } from "@/components/provider/earnings-chart";
import { ListingForm } from "@/components/provider/listing-form";
import { ListingsTable } from "@/components/provider/listings-table";
import { PendingBookings } from "@/components/provider/pending-bookings";
import { OutageHistory } from "@/components/provider/outage-history";
import { ProviderLeases } from "@/components/provider/provider-leases";
import { ProviderWorkloads } from "@/components/provider/provider-workloads";
import { RegisterForm } from "@/components/provider/register-form";
import { StakePanel } from "@/components/provider/stake-panel";
import { CheckList } from "@/components/proof-of-gpu/check-list";
import { FlaggedProviderNotice } from "@/components/proof-of-gpu/verified-badge";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { formatToken, shortAddress } from "@/lib/format";
import { addressParam } from "@/lib/server/address-param";
import { loadProviderProof } from "@/lib/server/proof-of-gpu";
import { loadProviderDashboard } from "@/lib/server/provider-dashboard";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import type { RawSearchParams } from "@/lib/search-params";

export const metadata: Metadata = { title: "Provider dashboard" };

export default async function ProviderPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const address = addressParam(await searchParams);
  const { CHAIN_ID } = readRuntimeConfig();
  const [data, proof] = address ? await Promise.all([loadProviderDashboard(CHAIN_ID, address), loadProviderProof(CHAIN_ID, address)]) : [null, null];
  const pending = data?.leases.filter((l) => l.status === "Pending") ?? [];
  const others = data?.leases.filter((l) => l.status !== "Pending") ?? [];

  return (
    <WalletProviders>
      <div className="space-y-6">
        <AddressSync path="/provider" address={address} />
        <header className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <h1 className="text-2xl font-bold">Provider dashboard</h1>
            {address && (
              <p className="text-sm text-slate-400">
                {shortAddress(address)}
                {data?.registered ? ` · reliability ${data.reliability.toFixed(0)}/100 · earned ${formatToken(data.earningsNet)}` : ""}
              </p>
            )}
          </div>
          <FaucetButton />
        </header>
        {proof?.flag.flagged && (
          <FlaggedProviderNotice
            failures={proof.flag.failuresInARow}
            lastOutcome={proof.flag.lastOutcome}
            lastReason={proof.flag.lastReason}
            href="#gpu-checks"
          />
        )}
        {!address || !data ? (
          <ConnectPrompt what="your listings and bookings" />
        ) : !data.registered ? (
          <RegisterForm />
        ) : (
          <>
            <section className="space-y-3" aria-labelledby="pending-title">
              <h2 id="pending-title" className="text-lg font-semibold">
                Bookings waiting for you ({pending.length})
              </h2>
              <PendingBookings leases={pending} registeredKey={data.encryptionKey} />
            </section>
            <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
              <section className="card space-y-2" aria-labelledby="earnings-title">
                <h2 id="earnings-title" className="font-semibold">
                  Earnings
                </h2>
                <EarningsChart points={data.earnings} />
              </section>
              <StakePanel />
            </div>
            <section className="space-y-3" aria-labelledby="listings-title">
              <h2 id="listings-title" className="text-lg font-semibold">
                Your listings
              </h2>
              <ListingsTable offers={data.offers} />
            </section>
            <ListingForm />
            <section className="space-y-3" aria-labelledby="leases-title">
              <h2 id="leases-title" className="text-lg font-semibold">
                Leases
              </h2>
              <ProviderLeases leases={others} />
            </section>
            <OutageHistory outages={data.outages} />
            {/* Proof of GPU (issue 21): the provider's own check history; renters and arbiters see it at /providers/[address]/gpu-checks. */}
            <section className="card space-y-2" aria-labelledby="gpu-checks-title" id="gpu-checks">
              <h2 id="gpu-checks-title" className="font-semibold">
                Proof of GPU checks
              </h2>
              <CheckList checks={proof?.checks ?? []} showOffer />
            </section>
            <ProviderWorkloads />
            <BillingHistory chainId={CHAIN_ID} account={address} role="provider" />
          </>
        )}
      </div>
    </WalletProviders>
  );
}
