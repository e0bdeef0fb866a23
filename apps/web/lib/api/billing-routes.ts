import { BILLING_CSV_MAX_ROWS, billingCsv, billingHistory, billingQuerySchema } from "@gridlease/db/billing";
import { blockTimestamps } from "@/lib/server/block-times";
import { parseQuery } from "./handler";
import { jsonAnswer, type ReadRoute } from "./read-route";

/**
 * The billing history of an account (packages/db/src/billing.ts), as JSON and as CSV. Everything in it is
 * public chain data, so like the lease list it needs no sign-in. Bad input is a 400 naming the field.
 */

/** The CSV takes no paging: it is the whole history (the newest BILLING_CSV_MAX_ROWS rows). */
export const billingCsvQuerySchema = billingQuerySchema.omit({ limit: true, offset: true });

export const billingRoutes = {
  /** GET /api/billing?account=0x…&role=renter|provider[&limit=][&offset=][&chainId=] — newest first, totals over all. */
  history: {
    path: "/api/billing",
    async handle({ query }) {
      const history = await billingHistory(parseQuery(query, billingQuerySchema));
      // The index keeps block numbers; the node knows their times (rows it cannot place keep no time).
      const times = await blockTimestamps(history.entries.map((e) => Number(e.blockNumber)));
      return jsonAnswer({ ...history, entries: history.entries.map((e) => ({ ...e, time: times.get(Number(e.blockNumber)) ?? null })) });
    },
  },
  /** GET /api/billing/csv?account=0x…&role=renter|provider[&chainId=] — the same rows as a CSV download. */
  csv: {
    path: "/api/billing/csv",
    async handle({ query }) {
      const parsed = parseQuery(query, billingCsvQuerySchema);
      const history = await billingHistory({ ...parsed, limit: BILLING_CSV_MAX_ROWS, offset: 0 });
      const times = await blockTimestamps(history.entries.map((e) => Number(e.blockNumber)));
      return {
        status: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="gridlease-${parsed.role}-${parsed.account}-billing.csv"`,
          "cache-control": "no-store",
        },
        body: billingCsv(history.entries, times),
      };
    },
  },
} satisfies Record<string, ReadRoute>;
