import { disputeQueue, leaseEventHistory, type LeaseEvent } from "@gridlease/db/disputes";
import type { LeaseView } from "@/lib/lease-view";
import { loadLeases } from "./leases";

export type { LeaseEvent };

export interface DisputeCase {
  lease: LeaseView;
  openedBlock: string;
  history: LeaseEvent[];
}

/** Open disputes first (oldest first: they time out first), then the most recently decided ones (packages/db/src/disputes.ts). */
export async function loadDisputeQueue(chainId: number): Promise<{ open: DisputeCase[]; decided: DisputeCase[] }> {
  const queue = await disputeQueue(chainId);
  const ids = [...queue.open, ...queue.decided].map((d) => d.leaseId);
  if (ids.length === 0) return { open: [], decided: [] };
  const [leases, historyById] = await Promise.all([loadLeases(chainId, { leaseId: { in: ids.map(BigInt) } }, ids.length), leaseEventHistory(chainId, ids)]);
  const leaseById = new Map(leases.map((l) => [l.leaseId, l]));
  const toCase = (row: (typeof queue.open)[number]): DisputeCase | null => {
    const lease = leaseById.get(row.leaseId);
    return lease ? { lease, openedBlock: row.openedBlock, history: historyById.get(lease.leaseId) ?? [] } : null;
  };
  return {
    open: queue.open.map(toCase).filter((c): c is DisputeCase => c !== null),
    decided: queue.decided.map(toCase).filter((c): c is DisputeCase => c !== null),
  };
}
