import { getPrisma } from "@gridlease/db/client";
import type { LeaseView } from "@/lib/lease-view";
import { loadLeases } from "./leases";

export interface LeaseEvent {
  name: string;
  block: string;
  txHash: string;
  args: Record<string, unknown>;
}

export interface DisputeCase {
  lease: LeaseView;
  openedBlock: string;
  history: LeaseEvent[];
}

/** Open disputes first (oldest first: they time out first), then the most recently decided ones. */
export async function loadDisputeQueue(chainId: number): Promise<{ open: DisputeCase[]; decided: DisputeCase[] }> {
  const prisma = getPrisma();
  const [openRows, decidedRows] = await Promise.all([
    prisma.dispute.findMany({ where: { chainId, status: "Open" }, orderBy: { openedBlock: "asc" }, take: 100 }),
    prisma.dispute.findMany({ where: { chainId, status: { not: "Open" } }, orderBy: { closedBlock: "desc" }, take: 20 }),
  ]);
  const ids = [...openRows, ...decidedRows].map((d) => d.leaseId);
  if (ids.length === 0) return { open: [], decided: [] };
  const [leases, events] = await Promise.all([
    loadLeases(chainId, { leaseId: { in: ids } }, ids.length),
    prisma.rawEvent.findMany({
      where: { chainId, OR: ids.map((id) => ({ args: { path: ["leaseId"], equals: id.toString() } })) },
      orderBy: [{ blockNumber: "asc" }, { logIndex: "asc" }],
      take: 2_000,
    }),
  ]);
  const leaseById = new Map(leases.map((l) => [l.leaseId, l]));
  const historyById = new Map<string, LeaseEvent[]>();
  for (const event of events) {
    const args = event.args as Record<string, unknown>;
    const key = String(args.leaseId);
    const list = historyById.get(key) ?? [];
    // The sealed payloads are opaque to arbiters; leave them out of the timeline.
    const { encryptedRequest: _request, encryptedAccess: _access, ...visible } = args;
    list.push({ name: event.name, block: event.blockNumber.toString(), txHash: event.txHash, args: visible });
    historyById.set(key, list);
  }
  const toCase = (row: (typeof openRows)[number]): DisputeCase | null => {
    const lease = leaseById.get(row.leaseId.toString());
    return lease ? { lease, openedBlock: row.openedBlock.toString(), history: historyById.get(lease.leaseId) ?? [] } : null;
  };
  return {
    open: openRows.map(toCase).filter((c): c is DisputeCase => c !== null),
    decided: decidedRows.map(toCase).filter((c): c is DisputeCase => c !== null),
  };
}
