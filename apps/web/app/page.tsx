import Link from "next/link";
import {
  InvalidCursorError,
  marketSummary,
  offerSearchQuerySchema,
  searchOffers,
  SEARCH_SORTS,
  type OfferSearchQuery,
  type SearchSort,
} from "@gridlease/db/search";
import { z } from "zod";
import { FilterPanel } from "@/components/market/filter-panel";
import { MarketSummary } from "@/components/market/market-summary";
import { OfferList } from "@/components/market/offer-list";
import { WhyNothingMatched } from "@/components/market/why-nothing";
import { readRuntimeConfig } from "@/lib/server/runtime-config";
import { cleanParams, withParams, type RawSearchParams } from "@/lib/search-params";

const SORT_LABELS: Record<SearchSort, string> = {
  price: "Cheapest",
  price_per_tflop: "Best $/TFLOP",
  vram: "Most VRAM",
  reliability: "Most reliable",
  newest: "Newest",
  sla: "Fewest outages",
};

export default async function MarketplacePage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { CHAIN_ID } = readRuntimeConfig();
  const params = cleanParams(await searchParams);
  const parsed = offerSearchQuerySchema.safeParse({ ...params, chainId: CHAIN_ID });
  // A hand-edited URL with a bad value still renders the market, with the problem named above it.
  let query: OfferSearchQuery = parsed.success ? parsed.data : offerSearchQuerySchema.parse({ chainId: CHAIN_ID });
  let problem = parsed.success ? null : z.prettifyError(parsed.error).replace(/\n/g, " ");
  const search = async () => {
    try {
      return await searchOffers(query);
    } catch (error) {
      // A stale or edited page link: show the first page instead of failing.
      if (!(error instanceof InvalidCursorError)) throw error;
      problem = error.message;
      query = { ...query, cursor: undefined };
      return searchOffers(query);
    }
  };
  const [result, summary] = await Promise.all([search(), marketSummary(CHAIN_ID)]);
  const listed = summary.reduce((sum, row) => sum + row.offers, 0);
  const freeGpus = summary.reduce((sum, row) => sum + row.freeGpus, 0);
  const pageParams = { ...params };
  delete pageParams.cursor;

  return (
    <div className="space-y-6">
      <section className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Rent GPUs by the second</h1>
          <p className="mt-1 text-slate-400">
            <span data-testid="offer-count" className="font-semibold text-slate-100">
              {listed}
            </span>{" "}
            offers listed · <span className="font-semibold text-slate-100">{freeGpus}</span> GPUs free now. Pay into escrow; it streams to the provider per
            second.
          </p>
        </div>
        <Link prefetch={false} href="/provider" className="btn-secondary">
          List your GPUs
        </Link>
      </section>

      <MarketSummary rows={summary} />

      {problem && (
        <p role="alert" className="rounded-lg border border-rose-500/40 bg-rose-500/10 p-3 text-sm text-rose-200" data-testid="bad-filters">
          Some filters in the address are invalid and were ignored: {problem}
        </p>
      )}

      <div className="grid gap-6 lg:grid-cols-[17rem_1fr]">
        <aside>
          <details className="card filters-panel">
            <summary className="cursor-pointer text-sm font-semibold lg:hidden">Filters</summary>
            <div className="mt-3">
              <FilterPanel query={query} facets={result.facets} />
            </div>
          </details>
        </aside>
        <section aria-label="Offers" className="space-y-3">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-sm text-slate-400" data-testid="result-count">
              {result.total} matching offer(s)
            </p>
            <nav aria-label="Sort" className="flex flex-wrap gap-1 text-sm">
              {SEARCH_SORTS.map((sort) => (
                <Link
                  prefetch={false}
                  key={sort}
                  href={withParams(pageParams, { sort })}
                  aria-current={query.sort === sort ? "page" : undefined}
                  className={`rounded-md px-2 py-1 ${query.sort === sort ? "bg-indigo-500/20 text-indigo-200" : "text-slate-400 hover:bg-slate-800"}`}
                >
                  {SORT_LABELS[sort]}
                </Link>
              ))}
            </nav>
          </div>
          {result.offers.length === 0 ? <WhyNothingMatched why={result.whyNothing} params={pageParams} /> : <OfferList offers={result.offers} />}
          <nav aria-label="Pages" className="flex justify-between gap-2">
            {query.cursor ? (
              <Link prefetch={false} className="btn-ghost" href={withParams(pageParams, {})}>
                ← First page
              </Link>
            ) : (
              <span />
            )}
            {result.nextCursor && (
              <Link prefetch={false} className="btn-secondary" href={withParams(pageParams, { cursor: result.nextCursor })} data-testid="next-page">
                Next page →
              </Link>
            )}
          </nav>
        </section>
      </div>
    </div>
  );
}
