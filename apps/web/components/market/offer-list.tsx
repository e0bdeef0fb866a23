import Link from "next/link";
import type { OfferSearchHit } from "@gridlease/db/search";
import { formatPercent, formatPricePerHour, shortAddress } from "@/lib/format";
import { VerifiedBadge } from "@/components/proof-of-gpu/verified-badge";
import { OnlineBadge } from "./online-badge";

function Spec({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-[11px] uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="tabular-nums">{value}</dd>
    </div>
  );
}

export function OfferList({ offers }: { offers: OfferSearchHit[] }) {
  return (
    <ul className="space-y-2" data-testid="offer-list">
      {offers.map((offer) => (
        <li
          key={offer.offerId}
          data-testid="offer-row"
          data-offer-id={offer.offerId}
          data-gpu-model={offer.gpuModel}
          data-verified={offer.verifiedAt ? "true" : "false"}
        >
          <Link prefetch={false} href={`/offers/${offer.offerId}`} className="card block transition hover:border-indigo-500/60">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h3 className="font-semibold">
                {offer.gpuCount}× {offer.gpuLabel?.replace("NVIDIA ", "") ?? offer.gpuModel}
                <span className="ml-2 text-xs font-normal text-slate-400">
                  #{offer.offerId} · {offer.region}
                </span>
              </h3>
              <span className="text-lg font-semibold text-indigo-300">{formatPricePerHour(offer.pricePerGpuHour)}</span>
            </div>
            {offer.verifiedAt && (
              <p className="mt-1 text-xs">
                <VerifiedBadge gpuModel={offer.gpuModel} checkedAt={offer.verifiedAt} />
              </p>
            )}
            <dl className="mt-2 grid grid-cols-3 gap-2 text-sm sm:grid-cols-7">
              <Spec label="VRAM" value={`${offer.vramGb} GB`} />
              <Spec label="CPU" value={`${offer.cpuCores} cores`} />
              <Spec label="RAM" value={`${offer.ramGb} GB`} />
              <Spec label="Disk" value={`${offer.diskGb} GB`} />
              <Spec label="Net" value={`${offer.bandwidthMbps} Mbps`} />
              <Spec label="Free" value={`${offer.freeUnits}/${offer.gpuCount}`} />
              <Spec label="Reliability" value={`${offer.providerReliability.toFixed(0)} · up ${formatPercent(offer.providerUptime7d)}`} />
            </dl>
            <p className="mt-2 flex flex-wrap items-center gap-x-2 text-xs text-slate-500">
              <OnlineBadge lastHeartbeatAt={offer.providerLastHeartbeatAt} />
              Provider {shortAddress(offer.provider)}
              <span data-testid="offer-outages" data-settled={offer.providerOutagesSettled}>
                {offer.providerOutagesSettled === 0 ? "· no settled outages" : `· ${offer.providerOutagesSettled} settled outage(s)`}
              </span>
              {offer.pricePerTflop !== null && ` · ${(offer.pricePerTflop / 1e6).toFixed(5)} USDC per TFLOP·h`}
              {` · ${offer.minHours}–${offer.maxHours} h`}
            </p>
          </Link>
        </li>
      ))}
    </ul>
  );
}
