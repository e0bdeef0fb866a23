import Link from "next/link";
import type { ModelMarketSummary } from "@gridlease/db/search";
import { formatToken } from "@/lib/format";

/** Supply and median price per GPU model, as compact tiles that link to that model's offers. */
export function MarketSummary({ rows }: { rows: ModelMarketSummary[] }) {
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title" className="mb-2 text-sm font-semibold text-slate-300">
        Market by GPU model · median price per GPU-hour
      </h2>
      <ul className="flex gap-2 overflow-x-auto pb-1 lg:grid lg:grid-cols-8 lg:overflow-visible" data-testid="market-summary">
        {rows.map((row) => (
          <li key={row.gpuModel} className="w-36 shrink-0 lg:w-auto">
            <Link
              prefetch={false}
              href={`/?gpu=${encodeURIComponent(row.gpuModel)}`}
              className="block rounded-lg border border-slate-800 bg-slate-900/60 px-3 py-2 transition hover:border-indigo-500/60"
              title={`${row.offers} offers, ${row.freeGpus} of ${row.totalGpus} GPUs free, from ${row.minPricePerGpuHour ? formatToken(row.minPricePerGpuHour) : "—"}`}
            >
              <span className="block truncate text-xs text-slate-400">{row.gpuLabel?.replace(/^NVIDIA (GeForce |Tesla )?/, "") ?? row.gpuModel}</span>
              <span className="block font-semibold tabular-nums">{row.medianPricePerGpuHour ? formatToken(row.medianPricePerGpuHour) : "—"}</span>
              <span className="block text-xs tabular-nums text-slate-500">
                {row.freeGpus}/{row.totalGpus} GPUs free
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
