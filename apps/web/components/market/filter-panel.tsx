import Link from "next/link";
import type { FacetCount, OfferSearchQuery } from "@gridlease/db/search";
import { gpuModelById } from "@gridlease/sdk/gpus";

function Facet({
  name,
  title,
  facets,
  selected,
  label,
}: {
  name: string;
  title: string;
  facets: FacetCount[];
  selected: string[];
  label: (value: string) => string;
}) {
  const counts = new Map(facets.map((f) => [f.value, f.count]));
  const values = [...new Set([...facets.map((f) => f.value), ...selected])];
  values.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b));
  return (
    <fieldset>
      <legend className="label">{title}</legend>
      <ul className="max-h-56 space-y-1 overflow-y-auto pr-1 text-sm">
        {values.map((value) => (
          <li key={value}>
            <label className="flex items-center gap-2">
              <input type="checkbox" name={name} value={value} defaultChecked={selected.includes(value)} />
              <span className="flex-1 truncate">{label(value)}</span>
              <span className="text-xs tabular-nums text-slate-500" data-testid={`facet-${name}-${value}`}>
                {counts.get(value) ?? 0}
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function NumberField({ name, label, value, step }: { name: string; label: string; value?: number | string; step?: string }) {
  return (
    <label className="block">
      <span className="label">{label}</span>
      <input type="number" min={0} step={step ?? "1"} name={name} defaultValue={value ?? ""} className="input w-full" />
    </label>
  );
}

/**
 * A plain GET form: filters live in the URL (shareable, back button works) and the page is
 * server-rendered from them, so filtering needs no client-side JavaScript at all.
 */
export function FilterPanel({ query, facets }: { query: OfferSearchQuery; facets: { gpuModel: FacetCount[]; region: FacetCount[] } }) {
  // The parsed query keeps the max price as typed USDC ("2.5"), not base units.
  const maxPrice = query.maxPricePerGpuHour ?? "";
  return (
    <form method="get" action="/" className="space-y-4" aria-label="Filters">
      <input type="hidden" name="sort" value={query.sort} />
      <Facet
        name="gpu"
        title="GPU model"
        facets={facets.gpuModel}
        selected={query.gpu ?? []}
        label={(v) => gpuModelById(v)?.label.replace("NVIDIA ", "") ?? v}
      />
      <Facet name="region" title="Region" facets={facets.region} selected={query.region ?? []} label={(v) => v} />
      <div className="grid grid-cols-2 gap-3">
        <NumberField name="minGpus" label="Min GPUs" value={query.minGpus} />
        <NumberField name="minVramGb" label="Min VRAM GB" value={query.minVramGb} />
        <NumberField name="minCpuCores" label="Min CPU cores" value={query.minCpuCores} />
        <NumberField name="minRamGb" label="Min RAM GB" value={query.minRamGb} />
        <NumberField name="minDiskGb" label="Min disk GB" value={query.minDiskGb} />
        <NumberField name="minBandwidthMbps" label="Min Mbps" value={query.minBandwidthMbps} />
        <NumberField name="maxPricePerGpuHour" label="Max USDC/GPU·h" value={maxPrice} step="0.01" />
        <NumberField name="minReliability" label="Min reliability" value={query.minReliability} />
        {/* SLA history: leases the provider lost to an unrefuted outage report (closed as ProviderOffline); 0 hides any provider that ever went dark. */}
        <NumberField name="maxSettledOutages" label="Max settled outages" value={query.maxSettledOutages} />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="availableNow" value="true" defaultChecked={query.availableNow ?? false} /> Available now
      </label>
      {/* Offline providers (no heartbeat within the online window) are hidden unless asked for: online=any. */}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="online" value="any" defaultChecked={query.online === "any"} data-testid="include-offline" /> Include offline providers
      </label>
      {/* Proof of GPU: only offers whose model a trusted checker verified recently (verified=1). */}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="verified" value="1" defaultChecked={query.verified ?? false} data-testid="verified-only" /> Verified only
      </label>
      <div className="flex gap-2">
        <button type="submit" className="btn-primary flex-1">
          Apply filters
        </button>
        <Link prefetch={false} href="/" className="btn-ghost">
          Reset
        </Link>
      </div>
    </form>
  );
}
