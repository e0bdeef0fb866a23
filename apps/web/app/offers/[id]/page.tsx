import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/common/breadcrumbs";
import { BookingForm } from "@/components/offer/booking-form";
import { PriceChart } from "@/components/offer/price-chart";
import { OnlineBadge } from "@/components/market/online-badge";
import { CheckList } from "@/components/proof-of-gpu/check-list";
import { FlaggedProviderNotice, VerifiedBadge } from "@/components/proof-of-gpu/verified-badge";
import { WalletProviders } from "@/components/wallet/wallet-providers";
import { formatDate, formatPercent, formatPricePerHour, formatToken, shortAddress } from "@/lib/format";
import { loadDeployment } from "@/lib/server/deployment";
import { loadOfferDetail } from "@/lib/server/offer-detail";
import { loadOfferProof } from "@/lib/server/proof-of-gpu";
import { readFeeBps } from "@/lib/server/protocol-params";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

function Row({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div className="flex justify-between gap-4 border-b border-slate-800 py-1.5 text-sm last:border-0">
      <dt className="text-slate-400">{label}</dt>
      <dd className="text-right tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Offer #${(await params).id}` };
}

export default async function OfferPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,18}$/.test(id) || BigInt(id) === 0n) notFound(); // offer ids are int8 in the mirror
  const { CHAIN_ID } = readRuntimeConfig();
  const [detail, contracts] = await Promise.all([loadOfferDetail(CHAIN_ID, BigInt(id)), loadDeployment(CHAIN_ID)]);
  if (!detail) notFound();
  const [feeBps, proof] = await Promise.all([contracts ? readFeeBps(contracts) : 0, loadOfferProof(CHAIN_ID, id, detail.offer.provider)]);
  const { offer, provider, uptime } = detail;
  const checksHref = `/providers/${offer.provider}/gpu-checks`;
  const bookable = offer.status === "Active" && provider.status === "Active" && offer.freeUnits > 0;

  return (
    <div className="space-y-6">
      <Breadcrumbs>Offer #{offer.offerId}</Breadcrumbs>
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold" data-testid="offer-title">
            {offer.gpuCount}× {offer.gpuLabel}
          </h1>
          <p className="flex flex-wrap items-center gap-x-2 text-slate-400">
            {offer.region} · provider {shortAddress(offer.provider)} · <span className="badge">{offer.status}</span>
            <OnlineBadge lastHeartbeatAt={uptime?.lastHeartbeatAt} />
            {proof.verification && <VerifiedBadge gpuModel={proof.verification.gpuModel} checkedAt={proof.verification.checkedAt} />}
          </p>
        </div>
        <p className="text-2xl font-semibold text-indigo-300" data-testid="offer-price" data-raw={offer.pricePerGpuHour}>
          {formatPricePerHour(offer.pricePerGpuHour)}
        </p>
      </header>
      {proof.flag.flagged && (
        <FlaggedProviderNotice failures={proof.flag.failuresInARow} lastOutcome={proof.flag.lastOutcome} lastReason={proof.flag.lastReason} href={checksHref} />
      )}
      <div className="grid gap-6 lg:grid-cols-[1fr_24rem]">
        <div className="space-y-6">
          <div className="grid gap-6 md:grid-cols-2">
            <section className="card">
              <h2 className="mb-2 font-semibold">Hardware</h2>
              <dl>
                <Row label="GPU" value={`${offer.gpuCount}× ${offer.gpuLabel}`} />
                <Row label="VRAM per GPU" value={`${offer.vramGb} GB`} />
                <Row label="CPU cores" value={offer.cpuCores} />
                <Row label="RAM" value={`${offer.ramGb} GB`} />
                <Row label="Disk" value={`${offer.diskGb} GB`} />
                <Row label="Bandwidth" value={`${offer.bandwidthMbps} Mbps`} />
                <Row label="Rental length" value={`${offer.minHours}–${offer.maxHours} hours`} />
              </dl>
            </section>
            <section className="card">
              <h2 className="mb-2 font-semibold">Availability and provider</h2>
              <dl>
                <Row label="Free GPUs now" value={`${offer.freeUnits} of ${offer.gpuCount}`} testId="free-units" />
                <Row label="Leases running on this offer" value={detail.activeLeases} />
                <Row label="Reliability score" value={`${provider.reliability.toFixed(0)} / 100`} />
                <Row
                  label="Uptime 24h · 7d · 30d"
                  value={
                    uptime ? `${formatPercent(uptime.uptime24h)} · ${formatPercent(uptime.uptime7d)} · ${formatPercent(uptime.uptime30d)}` : "no heartbeats yet"
                  }
                />
                <Row label="Last seen (heartbeat)" value={uptime ? formatDate(new Date(uptime.lastHeartbeatAt)) : "—"} />
                <Row label="Leases completed / total" value={`${provider.leasesCompleted} / ${provider.leasesTotal}`} />
                <Row label="Not accepted · declined" value={`${provider.leasesNotAccepted} · ${provider.leasesDeclined}`} />
                <Row label="Disputes lost / opened" value={`${provider.disputesLost} / ${provider.disputesOpened}`} />
                <Row
                  label="Outages reported · refuted · settled"
                  value={`${provider.outagesReported} · ${provider.outagesRefuted} · ${provider.outagesSettled}`}
                  testId="outage-sla"
                />
                <Row label="Stake (slashed so far)" value={`${formatToken(provider.stake)} (${formatToken(provider.totalSlashed)})`} />
              </dl>
            </section>
          </div>
          <section className="card">
            <h2 className="mb-2 font-semibold">Price history (USDC per GPU-hour, by block)</h2>
            <PriceChart points={detail.priceHistory} />
          </section>
          <section className="card space-y-2" aria-labelledby="gpu-checks-title" id="gpu-checks">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 id="gpu-checks-title" className="font-semibold">
                Proof of GPU checks
              </h2>
              <a className="text-xs text-indigo-300 hover:underline" href={checksHref}>
                All of this provider's checks
              </a>
            </div>
            <p className="text-xs text-slate-400">
              Seeded matrix-multiplication challenges sized for the listed GPUs, answered against a deadline from the model's throughput and audited with
              Freivalds' check; each result is signed by its checker.
            </p>
            <CheckList checks={proof.checks} />
          </section>
        </div>
        {/* On a phone the booking form comes right after the title; beside the specs on a desktop. */}
        <aside className="order-first lg:order-none">
          {bookable && contracts ? (
            <WalletProviders>
              <BookingForm offer={offer} feeBps={feeBps} providerLastHeartbeatAt={uptime?.lastHeartbeatAt ?? null} />
            </WalletProviders>
          ) : (
            <div className="card text-sm text-slate-300" role="status">
              {!contracts
                ? "The chain has no indexed deployment yet."
                : offer.status !== "Active"
                  ? `This offer is ${offer.status.toLowerCase()} and cannot be booked.`
                  : provider.status !== "Active"
                    ? "This provider has exited."
                    : "All GPUs of this offer are rented right now."}
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
