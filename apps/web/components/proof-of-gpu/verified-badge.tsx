import { gpuModelById } from "@gridlease/sdk/gpus";
import { formatDate } from "@/lib/format";

/** "Verified <model>" without the vendor prefix the rows already drop ("H100 SXM 80GB"). */
export function verifiedModelLabel(gpuModel: string): string {
  return gpuModelById(gpuModel)?.label.replace("NVIDIA ", "") ?? gpuModel;
}

/**
 * Proof of GPU badge (issue 21): the offer's model passed a seeded compute challenge from a trusted
 * checker in time, at `checkedAt` (wall clock, UTC, so server and browser render the same text).
 */
export function VerifiedBadge({ gpuModel, checkedAt }: { gpuModel: string; checkedAt: string }) {
  return (
    <span
      className="badge border-emerald-500/40 bg-emerald-500/10 text-emerald-300"
      data-testid="verified-badge"
      data-gpu-model={gpuModel}
      data-checked-at={checkedAt}
      title="Answered a seeded matrix-multiplication challenge sized for this GPU model within its deadline; the product was audited with Freivalds' check."
    >
      ✓ Verified {verifiedModelLabel(gpuModel)}
      <time dateTime={checkedAt} className="ml-1 font-normal text-emerald-400/80">
        · checked {formatDate(new Date(checkedAt))}
      </time>
    </span>
  );
}

/** A provider whose recent checks kept failing (GPU_CHECK_FAILURES_TO_FLAG in a row). */
export function FlaggedProviderNotice({
  failures,
  lastOutcome,
  lastReason,
  href,
}: {
  failures: number;
  lastOutcome: string | null;
  lastReason: string | null;
  href?: string;
}) {
  return (
    <p role="alert" className="rounded-lg border border-rose-500/40 bg-rose-500/10 p-3 text-sm text-rose-200" data-testid="provider-flagged">
      ⚠ Flagged: this provider's last {failures} GPU checks did not pass
      {lastOutcome ? ` (latest: ${lastOutcome}${lastReason ? ` — ${lastReason}` : ""})` : ""}. Its hardware claims are unproven.
      {href && (
        <>
          {" "}
          <a className="underline" href={href}>
            See the checks
          </a>
          .
        </>
      )}
    </p>
  );
}
