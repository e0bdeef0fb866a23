import { formatUnits } from "viem";
import { NOTIFICATION_KIND_LABELS, type NotificationKind } from "@gridlease/sdk/notifications";

/** Subject and plain text of each message kind; the same words an email shows and a webhook's `summary` carries. */

// Lease amounts are in the marketplace's payment token, USDC with 6 decimals (as apps/web/lib/format.ts).
const usdc = (value: unknown) => (value === null || value === undefined ? "?" : `${formatUnits(BigInt(String(value)), 6)} USDC`);
const when = (unixSeconds: unknown) => (unixSeconds ? new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z") : "?");
const duration = (seconds: number) => (seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : `${Math.max(1, Math.round(seconds / 60))} min`);

export function summarize(kind: string, p: Record<string, unknown>): { subject: string; text: string } {
  const lease = `Lease #${p.leaseId}`;
  switch (kind as NotificationKind | "confirm_email" | "test") {
    case "confirm_email":
      return { subject: "Confirm your Gridlease notifications", text: `Confirm that ${p.wallet} may send lease notifications to this address.` };
    case "test":
      return { subject: "Gridlease test notification", text: `A test message for ${p.wallet}: this channel receives your lease notifications.` };
    case "booked":
      return {
        subject: `${lease} booked: accept by ${when(p.acceptDeadline)}`,
        text: `${lease} on offer #${p.offerId}: ${p.gpus} GPU(s) for ${p.hours} h, deposit ${usdc(p.deposit)}. Accept it before ${when(p.acceptDeadline)} or it is refunded.`,
      };
    case "accepted":
      return { subject: `${lease} accepted`, text: `${lease} was accepted by ${p.provider}; it runs until ${when(p.endsAt)}.` };
    case "not_accepted":
      return { subject: `${lease} was not accepted`, text: `${lease} was not accepted in time and closed: ${usdc(p.renterRefund)} went back to the renter.` };
    case "low_balance":
      return {
        subject: `${lease}: ${duration(Number(p.secondsLeft))} left`,
        text: `${lease} has ${duration(Number(p.secondsLeft))} left (your threshold: ${duration(Number(p.thresholdSeconds))}); it ends at ${when(p.endsAt)}. Extend it to keep it running.`,
      };
    case "ending_soon":
      return { subject: `${lease} ends soon`, text: `${lease} ends at ${when(p.endsAt)}, in ${duration(Number(p.secondsLeft))}.` };
    case "closed":
      return {
        subject: `${lease} closed (${p.reason})`,
        text: `${lease} closed: ${p.reason}. Provider received ${usdc(p.providerTotal)}, renter refunded ${usdc(p.renterRefund)}, fee ${usdc(p.feeTotal)}.`,
      };
    case "dispute_opened":
      return { subject: `Dispute opened on ${lease}`, text: `A dispute was opened on ${lease} (bond ${usdc(p.bond)}). Evidence: ${p.evidenceURI ?? "none"}.` };
    case "dispute_resolved":
      return {
        subject: `Dispute on ${lease} ${p.outcome}`,
        text: `The dispute on ${lease} was ${p.outcome}: renter ${usdc(p.renterAmount)}, provider ${usdc(p.providerAmount)}, slash ${usdc(p.slashAmount)}.`,
      };
    case "provider_offline":
      return {
        subject: `${lease}: provider reported offline`,
        text: `The provider of ${lease} was reported offline (last seen ${when(p.lastSeen)}); the lease is suspended until ${when(p.refutableUntil)} unless the provider proves it is up.`,
      };
    default:
      return { subject: `Gridlease: ${kind}`, text: NOTIFICATION_KIND_LABELS[kind as NotificationKind] ?? kind };
  }
}
