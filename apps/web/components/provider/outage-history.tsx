import type { OutageRecord } from "@gridlease/db/outages";
import { formatDate, formatToken, shortAddress } from "@/lib/format";

const OUTCOME: Record<OutageRecord["status"], string> = {
  Reported: "Awaiting your agent's answer",
  Refuted: "Refuted: your agent proved it was online; the bond was paid to you",
  Settled: "Settled: the lease closed as provider offline; refunded from the cutoff, stake slashed",
};

/**
 * SLA history on the provider dashboard (LeaseLiveness, docs/protocol.md "Liveness"): every outage report
 * against the provider and how it ended. Settled reports count against the reliability score; refuted
 * ones do not.
 */
export function OutageHistory({ outages }: { outages: { reported: number; refuted: number; settled: number; latest: OutageRecord[] } }) {
  return (
    <section className="card space-y-2" aria-labelledby="outages-title" data-testid="outage-history">
      <h2 id="outages-title" className="font-semibold">
        Outage reports (SLA)
      </h2>
      <p className="text-sm text-slate-400" data-testid="outage-counts">
        {outages.reported} reported · {outages.refuted} refuted by your agent · {outages.settled} settled against you
      </p>
      {outages.latest.length === 0 ? (
        <p className="text-sm text-slate-400">No outage has been reported against your leases.</p>
      ) : (
        <table className="w-full text-sm">
          <thead className="text-left text-xs text-slate-400">
            <tr>
              <th className="py-1 font-normal">Lease</th>
              <th className="py-1 font-normal">Last seen → billing stopped at</th>
              <th className="py-1 font-normal">Reported by</th>
              <th className="py-1 text-right font-normal">Bond</th>
              <th className="py-1 font-normal">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {outages.latest.map((o) => (
              <tr key={`${o.leaseId}:${o.seq}`} className="border-t border-slate-800 align-top" data-testid="outage-row" data-status={o.status}>
                <td className="py-1.5">
                  #{o.leaseId}
                  {o.seq > 1 ? ` (report ${o.seq})` : ""}
                </td>
                <td className="py-1.5 tabular-nums">
                  {formatDate(o.lastSeen)} → {formatDate(o.cutoff)}
                </td>
                <td className="py-1.5">{o.reporter === o.renter ? "the renter" : shortAddress(o.reporter)}</td>
                <td className="py-1.5 text-right tabular-nums">{formatToken(o.bond)}</td>
                <td className="py-1.5">
                  {OUTCOME[o.status]}
                  {o.status === "Reported" ? ` (until ${formatDate(o.refutableUntil)})` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
