import { billingHistory, type BillingEntry, type BillingRole } from "@gridlease/db/billing";
import { formatDate, formatToken } from "@/lib/format";
import { blockTimestamps } from "@/lib/server/block-times";

/** Labels of the billing kinds (packages/db/src/billing.ts) as a person reads them. */
const KIND_LABEL: Record<string, string> = {
  deposit: "Deposit",
  extension: "Extension",
  top_up: "Auto top-up",
  dispute_bond: "Dispute bond",
  outage_bond: "Outage report bond",
  refund: "Refund",
  bond_returned: "Bond returned",
  compensation: "Compensation (stake slashed to you)",
  dispute_ruling: "Dispute ruling",
  earnings: "Earnings claimed",
  final_payout: "Payout at close",
  bond_received: "Bond received",
  slashed: "Stake slashed",
};

/** How many rows the page shows; the CSV has them all. */
const SHOWN = 50;

function Amount({ value }: { value: string }) {
  const v = BigInt(value);
  return (
    <span className={v < 0n ? "text-rose-300" : v > 0n ? "text-emerald-300" : "text-slate-400"}>
      {v > 0n ? "+" : ""}
      {formatToken(v)}
    </span>
  );
}

/**
 * The account's money across all its leases, from the index (renter: spend history; provider: earnings,
 * fees and slashes), with totals and a CSV export of every row.
 */
export async function BillingHistory({ chainId, account, role }: { chainId: number; account: string; role: BillingRole }) {
  const history = await billingHistory({ chainId, account: account.toLowerCase(), role, limit: SHOWN, offset: 0 });
  const times = await blockTimestamps(history.entries.map((e) => Number(e.blockNumber)));
  const csv = `/api/billing/csv?account=${history.account}&role=${role}&chainId=${chainId}`;
  const t = history.totals;
  return (
    <section className="card space-y-3" aria-labelledby={`billing-${role}`} data-testid="billing-history" data-role={role}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`billing-${role}`} className="text-lg font-semibold">
          {role === "renter" ? "Spend history" : "Earnings history"}
        </h2>
        <a className="btn-secondary text-sm" href={csv} download data-testid="billing-csv">
          Download CSV ({history.total} rows)
        </a>
      </div>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4" data-testid="billing-totals">
        {role === "renter" ? (
          <>
            <div>
              <dt className="text-slate-400">Paid in</dt>
              <dd data-raw={t.paid}>{formatToken(t.paid)}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Received back</dt>
              <dd data-raw={t.received}>{formatToken(t.received)}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Compensation</dt>
              <dd>{formatToken(t.byKind.compensation ?? "0")}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Net cost</dt>
              <dd data-raw={t.net}>{formatToken(-BigInt(t.net))}</dd>
            </div>
          </>
        ) : (
          <>
            <div>
              <dt className="text-slate-400">Earned (net)</dt>
              <dd data-raw={t.received}>{formatToken(t.received)}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Protocol fees</dt>
              <dd data-raw={t.fees}>{formatToken(t.fees)}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Slashed</dt>
              <dd>{formatToken(t.paid)}</dd>
            </div>
            <div>
              <dt className="text-slate-400">Net</dt>
              <dd data-raw={t.net}>{formatToken(t.net)}</dd>
            </div>
          </>
        )}
      </dl>
      {history.entries.length === 0 ? (
        <p className="text-sm text-slate-400">Nothing yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead className="text-left text-xs text-slate-400">
              <tr>
                <th className="py-1 pr-3">When</th>
                <th className="pr-3">Lease</th>
                <th className="pr-3">What</th>
                <th className="pr-3 text-right">Amount</th>
                {role === "provider" && <th className="pr-3 text-right">Fee</th>}
                <th>Note</th>
              </tr>
            </thead>
            <tbody>
              {history.entries.map((e: BillingEntry) => {
                const time = times.get(Number(e.blockNumber));
                return (
                  <tr
                    key={`${e.txHash}:${e.logIndex}`}
                    className="border-t border-slate-800"
                    data-testid="billing-row"
                    data-kind={e.kind}
                    data-amount={e.amount}
                  >
                    <td className="py-1 pr-3 whitespace-nowrap text-slate-400">{time ? formatDate(time) : `block ${e.blockNumber}`}</td>
                    <td className="pr-3">#{e.leaseId}</td>
                    <td className="pr-3">{KIND_LABEL[e.kind] ?? e.kind}</td>
                    <td className="pr-3 text-right tabular-nums">
                      <Amount value={e.amount} />
                    </td>
                    {role === "provider" && <td className="pr-3 text-right tabular-nums text-slate-400">{e.fee ? formatToken(e.fee) : ""}</td>}
                    <td className="text-xs text-slate-400">{e.note}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {history.total > SHOWN && (
            <p className="mt-2 text-xs text-slate-500">
              Showing the newest {SHOWN} of {history.total}; the CSV has them all.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
