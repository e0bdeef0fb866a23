import { formatDate, shortAddress } from "@/lib/format";
import type { CheckEvidence } from "@/lib/server/proof-of-gpu";

const OUTCOME_STYLE: Record<string, string> = {
  Passed: "border-emerald-500/40 bg-emerald-500/10 text-emerald-300",
  Failed: "border-rose-500/40 bg-rose-500/10 text-rose-300",
  TimedOut: "border-amber-500/40 bg-amber-500/10 text-amber-300",
  Unreachable: "border-slate-600 bg-slate-800 text-slate-300",
};

/** "412 ms of 900 ms" — how long the agent took against the deadline its claimed model allowed. */
function elapsedText(check: CheckEvidence): string {
  return check.elapsedMs === null ? `no answer · deadline ${check.deadlineMs} ms` : `${check.elapsedMs} ms of ${check.deadlineMs} ms`;
}

/**
 * Proof of GPU evidence (issue 21): each check with what anyone needs to re-check it — the seed block
 * and seed, the size, the outcome with the time taken against the deadline, and the checker's
 * signature (verified here against the deployment's EIP-712 domain). `showOffer` adds the offer column
 * (a provider's history spans its offers).
 */
export function CheckList({ checks, showOffer = false }: { checks: CheckEvidence[]; showOffer?: boolean }) {
  if (checks.length === 0) return <p className="text-sm text-slate-400">No GPU checks yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="gpu-check-list">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-normal">Checked (UTC)</th>
            {showOffer && <th className="py-1 pr-3 font-normal">Offer</th>}
            <th className="py-1 pr-3 font-normal">Outcome</th>
            <th className="py-1 pr-3 font-normal">Elapsed vs deadline</th>
            <th className="py-1 pr-3 font-normal">Challenge</th>
            <th className="py-1 pr-3 font-normal">Seed block</th>
            <th className="py-1 pr-3 font-normal">Checker</th>
            <th className="py-1 font-normal">Signature</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((check) => (
            <tr
              key={check.checkId}
              className="border-t border-slate-800 align-top"
              data-testid="gpu-check"
              data-outcome={check.outcome}
              data-trusted={check.trusted}
            >
              <td className="py-1.5 pr-3 tabular-nums">{formatDate(new Date(check.checkedAt))}</td>
              {showOffer && (
                <td className="py-1.5 pr-3">
                  <a className="text-indigo-300 hover:underline" href={`/offers/${check.offerId}`}>
                    #{check.offerId}
                  </a>
                </td>
              )}
              <td className="py-1.5 pr-3">
                <span className={`badge ${OUTCOME_STYLE[check.outcome] ?? ""}`}>{check.outcome}</span>
                {check.reason && <p className="mt-1 max-w-xs text-xs text-slate-400">{check.reason}</p>}
              </td>
              <td className="py-1.5 pr-3 tabular-nums" data-testid="gpu-check-elapsed">
                {elapsedText(check)}
              </td>
              <td className="py-1.5 pr-3 text-xs text-slate-400">
                {check.gpuCount}× {check.gpuModel} · {check.products} products of {check.matrixSize}² · {check.audited} audited × {check.rounds} Freivalds
                rounds
              </td>
              <td className="py-1.5 pr-3 tabular-nums" title={`seed ${check.seed}`}>
                {check.seedBlock}
              </td>
              <td className="py-1.5 pr-3" title={check.checker}>
                {shortAddress(check.checker)}
                <span className="ml-1 text-xs text-slate-500">{check.trusted ? "trusted" : "not trusted: ignored for badges"}</span>
              </td>
              <td className="py-1.5 font-mono text-xs" title={check.signature}>
                {check.signature.slice(0, 10)}…{check.signature.slice(-6)}{" "}
                <span className={check.signatureValid ? "text-emerald-400" : "text-rose-400"} data-testid="gpu-check-signature">
                  {check.signatureValid ? "✓ valid" : "✗ does not verify"}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
