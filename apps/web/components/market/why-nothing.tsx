import Link from "next/link";
import type { FilterKey, WhyNothing } from "@gridlease/db/search";
import { withParams } from "@/lib/search-params";

export const FILTER_LABELS: Record<FilterKey, string> = {
  gpu: "the GPU model filter",
  region: "the region filter",
  minGpus: "the minimum GPU count",
  minVramGb: "the minimum VRAM",
  minCpuCores: "the minimum CPU cores",
  minRamGb: "the minimum RAM",
  minDiskGb: "the minimum disk",
  minBandwidthMbps: "the minimum bandwidth",
  maxPricePerGpuHour: "the maximum price",
  minReliability: "the minimum reliability",
  availableNow: "“available now”",
  online: "“online providers only”",
  maxSettledOutages: "the settled outages limit",
  verified: "“verified only”",
};

export function WhyNothingMatched({ why, params }: { why: WhyNothing | null; params: Record<string, string | string[]> }) {
  const base = params;
  return (
    <div className="card space-y-2" data-testid="why-nothing" role="status">
      <h3 className="font-semibold">No offer matches all of these filters.</h3>
      {why?.totalOffers === 0 && <p className="text-sm text-slate-400">The market has no active offers at the moment.</p>}
      {why?.mostExcludingFilter && (
        <p className="text-sm text-slate-300">
          The main reason is {FILTER_LABELS[why.mostExcludingFilter]}: without it,{" "}
          {why.wouldAddBack.find((w) => w.filter === why.mostExcludingFilter)?.offers ?? 0} offer(s) would match.
        </p>
      )}
      {why && why.wouldAddBack.length > 0 && (
        <ul className="space-y-1 text-sm">
          {why.wouldAddBack.map((entry) => (
            <li key={entry.filter}>
              <Link
                prefetch={false}
                className="text-indigo-300 hover:underline"
                href={withParams(base, { [entry.filter]: entry.filter === "online" ? "any" : undefined })}
              >
                Remove {FILTER_LABELS[entry.filter]}
              </Link>{" "}
              <span className="text-slate-400">→ {entry.offers} offer(s)</span>
            </li>
          ))}
        </ul>
      )}
      {why && why.totalOffers > 0 && <p className="text-xs text-slate-500">{why.totalOffers} active offers exist in total.</p>}
    </div>
  );
}
