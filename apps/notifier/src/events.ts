import { CLOSE_REASON } from "@gridlease/sdk/enums.generated";
import type { NotificationKind } from "@gridlease/sdk/notifications";

/**
 * Indexed contract events → what each party should hear about. Pure: the outbox row and the lease
 * row in, notices out, so every mapping is tested without a database.
 */

export interface OutboxEvent {
  id: string;
  chainId: number;
  name: string;
  txHash: string | null;
  logIndex: number | null;
  blockNumber: string | null;
  args: Record<string, unknown>;
  createdAt: Date;
}

export interface LeaseParties {
  leaseId: string;
  offerId: string;
  renter: string;
  provider: string;
}

export interface Notice {
  /** Lowercase wallet address of the recipient. */
  wallet: string;
  role: "renter" | "provider";
  kind: NotificationKind;
  /** The event part of the idempotency key: the same on every replay of the same chain event. */
  eventKey: string;
  leaseId: string;
  payload: Record<string, unknown>;
}

const str = (value: unknown) => (value === undefined || value === null ? null : String(value));

/** The lease id an escrow/liveness event is about, or null for events notifications ignore. */
export function eventLeaseId(event: Pick<OutboxEvent, "args">): string | null {
  return str(event.args.leaseId);
}

export function closeReasonName(reason: unknown): string {
  return CLOSE_REASON[Number(reason)] ?? `Unknown(${String(reason)})`;
}

export function noticesFor(event: OutboxEvent, lease: LeaseParties): Notice[] {
  const eventKey = `${event.chainId}:${event.txHash}:${event.logIndex}`;
  const base = {
    leaseId: lease.leaseId,
    offerId: lease.offerId,
    renter: lease.renter,
    provider: lease.provider,
    txHash: event.txHash,
    blockNumber: event.blockNumber,
  };
  const to = (roles: ("renter" | "provider")[], kind: NotificationKind, extra: Record<string, unknown> = {}): Notice[] =>
    roles.map((role) => ({ wallet: lease[role], role, kind, eventKey, leaseId: lease.leaseId, payload: { ...base, ...extra, role } }));
  const a = event.args;
  switch (event.name) {
    case "LeaseBooked":
      return to(["provider"], "booked", {
        gpus: Number(a.gpus),
        hours: str(a.durationHours),
        pricePerGpuHour: str(a.pricePerGpuHour),
        deposit: str(a.deposit),
        acceptDeadline: str(a.acceptDeadline),
      });
    case "LeaseAccepted":
      return to(["renter"], "accepted", { acceptedAt: str(a.acceptedAt), endsAt: str(a.endsAt) });
    case "LeaseClosed": {
      const reason = closeReasonName(a.reason);
      const amounts = { reason, providerTotal: str(a.providerTotal), renterRefund: str(a.renterRefund), feeTotal: str(a.feeTotal) };
      // A booking that timed out is its own kind; every other close (offline included) is "closed".
      return to(["renter", "provider"], reason === "NotAccepted" ? "not_accepted" : "closed", amounts);
    }
    case "OutageReported":
      return to(["renter", "provider"], "provider_offline", { lastSeen: str(a.lastSeen), cutoff: str(a.cutoff), refutableUntil: str(a.refutableUntil) });
    case "DisputeOpened":
      return to(["renter", "provider"], "dispute_opened", { evidenceURI: str(a.evidenceURI), bond: str(a.bond) });
    case "DisputeResolved":
      return to(["renter", "provider"], "dispute_resolved", {
        outcome: "resolved",
        renterAmount: str(a.renterAmount),
        providerAmount: str(a.providerAmount),
        slashAmount: str(a.slashAmount),
      });
    case "DisputeFinalized":
      return to(["renter", "provider"], "dispute_resolved", {
        outcome: "finalized",
        renterAmount: str(a.renterAmount),
        providerAmount: str(a.providerAmount),
        slashAmount: "0",
      });
    default:
      return [];
  }
}

/** A running lease's time-based notices at `nowSeconds`: one key per lease, end time and threshold. */
export function clockNotices(
  chainId: number,
  lease: LeaseParties & { endsAt: string },
  nowSeconds: number,
  thresholds: { lowBalanceSeconds: number; endingSoonSeconds: number },
): Notice[] {
  const left = Number(lease.endsAt) - nowSeconds;
  if (left <= 0) return [];
  const base = { leaseId: lease.leaseId, offerId: lease.offerId, renter: lease.renter, provider: lease.provider, endsAt: lease.endsAt, secondsLeft: left };
  const notices: Notice[] = [];
  // endsAt is in the key: an extension moves the end, and the next approach of it is news again.
  if (left <= thresholds.lowBalanceSeconds) {
    notices.push({
      wallet: lease.renter,
      role: "renter",
      kind: "low_balance",
      leaseId: lease.leaseId,
      eventKey: `${chainId}:low_balance:${lease.leaseId}:${lease.endsAt}:${thresholds.lowBalanceSeconds}`,
      payload: { ...base, thresholdSeconds: thresholds.lowBalanceSeconds, role: "renter" },
    });
  }
  if (left <= thresholds.endingSoonSeconds) {
    for (const role of ["renter", "provider"] as const) {
      notices.push({
        wallet: lease[role],
        role,
        kind: "ending_soon",
        leaseId: lease.leaseId,
        eventKey: `${chainId}:ending_soon:${lease.leaseId}:${lease.endsAt}`,
        payload: { ...base, thresholdSeconds: thresholds.endingSoonSeconds, role },
      });
    }
  }
  return notices;
}
