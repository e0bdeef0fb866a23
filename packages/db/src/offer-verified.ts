/**
 * Proof of GPU in the in-memory offer list (issue 21): the snapshot's `verifiedAt` column, the time of
 * the trusted passed check that verifies each offer (NaN: none), for the "verified" filter and the
 * hits' badge. It follows gpu_check, not the indexer, so it is kept apart from the offer rows: the
 * latest trusted checks within the validity window are read once per gpu_check version (the part of
 * searchDataVersion after "|") and laid over whichever snapshot the offer rows are at. Expiry needs no
 * reload: the filter compares the column with now − GPU_CHECK_VALID_SECONDS at query time.
 */
import type pg from "pg";
import { recentTrustedChecks, trustedGpuCheckers, type RecentTrustedCheck } from "./gpu-checks";
import type { ListSnapshot } from "./offer-list";

/** searchDataVersion's value split into the part the offer rows follow and the gpu_check part. */
export function splitChecksVersion(dataVersion: string): { rows: string; checks: string } {
  const bar = dataVersion.lastIndexOf("|");
  return bar < 0 ? { rows: dataVersion, checks: "" } : { rows: dataVersion.slice(0, bar), checks: dataVersion.slice(bar + 1) };
}

/** First row index whose offer id is ≥ id (rows are in offer id order). */
function lowerBound(ids: Float64Array, size: number, id: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The snapshot with `verifiedAt` set from the latest trusted checks (passed, same model and count as the offer row). */
export function withVerified(snapshot: ListSnapshot, checks: RecentTrustedCheck[]): ListSnapshot {
  const verifiedAt = new Float64Array(snapshot.size).fill(Number.NaN);
  for (const check of checks) {
    if (check.outcome !== "Passed") continue;
    const id = Number(check.offerId);
    const i = lowerBound(snapshot.offerId, snapshot.size, id);
    if (i >= snapshot.size || snapshot.offerId[i] !== id) continue;
    if (snapshot.gpuModels[snapshot.gpuModelCode[i]!] !== check.gpuModel || snapshot.gpuCount[i] !== check.gpuCount) continue;
    verifiedAt[i] = check.checkedAt;
  }
  return { ...snapshot, verifiedAt };
}

/** Per chain, the trusted checks of the current gpu_check version, and the snapshots they were laid over. */
export class VerifiedColumns {
  private readonly byChain = new Map<number, { key: string; checks: Promise<RecentTrustedCheck[]> }>();
  private applied = new WeakMap<ListSnapshot, { key: string; snapshot: ListSnapshot }>();

  /** `snapshot` with `verifiedAt` for gpu_check version `checks`; the same object while neither moved (counts cached for it stay valid). */
  async apply(db: pg.Pool, chainId: number, checks: string, snapshot: ListSnapshot): Promise<ListSnapshot> {
    const trusted = trustedGpuCheckers(chainId);
    const key = `${checks}|${trusted.join(",")}`;
    let entry = this.byChain.get(chainId);
    if (!entry || entry.key !== key) {
      const fresh = { key, checks: recentTrustedChecks(db, chainId, trusted) };
      this.byChain.set(chainId, (entry = fresh));
      fresh.checks.catch(() => {
        if (this.byChain.get(chainId) === fresh) this.byChain.delete(chainId);
      });
    }
    const rows = await entry.checks;
    const memo = this.applied.get(snapshot);
    if (memo?.key === key) return memo.snapshot;
    const next = withVerified(snapshot, rows);
    this.applied.set(snapshot, { key, snapshot: next });
    return next;
  }

  clear(): void {
    this.byChain.clear();
    this.applied = new WeakMap();
  }
}
