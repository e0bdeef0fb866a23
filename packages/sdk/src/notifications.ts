/**
 * Lease notifications (issue 17, docs/notifications.md): the event kinds a wallet can subscribe to,
 * who receives each, the time thresholds and the webhook signature's wire format. Kept here once so
 * the web app that takes subscriptions and the notifier that delivers them cannot drift apart.
 */

export const NOTIFICATION_KINDS = [
  "booked",
  "accepted",
  "not_accepted",
  "low_balance",
  "ending_soon",
  "closed",
  "dispute_opened",
  "dispute_resolved",
  "provider_offline",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One line per kind, for the subscription page and the docs. */
export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  booked: "A renter booked one of your offers (provider; accept within the window)",
  accepted: "The provider accepted your booking (renter)",
  not_accepted: "A booking was not accepted in time and refunded (renter and provider)",
  low_balance: "A running lease has less time left than your threshold (renter)",
  ending_soon: "A running lease ends within 15 minutes (renter and provider)",
  closed: "A lease closed: the reason and who received what (renter and provider)",
  dispute_opened: "A dispute was opened on a lease (renter and provider)",
  dispute_resolved: "A dispute was resolved or finalized (renter and provider)",
  provider_offline: "The provider of a running lease went offline (renter)",
};

/** Low balance fires when a running lease has less than this left, unless the subscription says otherwise. */
export const DEFAULT_LOW_BALANCE_SECONDS = 3600;
/** Bounds of a subscription's low-balance threshold: a minute to a week. */
export const LOW_BALANCE_SECONDS_MIN = 60;
export const LOW_BALANCE_SECONDS_MAX = 7 * 24 * 3600;
/** Ending soon fires once a running lease has less than this left. */
export const ENDING_SOON_SECONDS = 15 * 60;

/**
 * Production mode refuses webhooks to private addresses: NOTIFY_PRODUCTION=1/0 when set, otherwise on
 * exactly when the site's public origin is https (a deployment, not a laptop's `npm start`).
 */
export function notifyProductionMode(flag: string | undefined, publicOrigin: string | undefined): boolean {
  if (flag === "1" || flag === "true") return true;
  if (flag === "0" || flag === "false") return false;
  return (publicOrigin ?? "").trim().startsWith("https:");
}

/** Webhook request headers: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, and the idempotency key. */
export const WEBHOOK_SIGNATURE_HEADER = "gridlease-signature";
export const WEBHOOK_ID_HEADER = "gridlease-delivery-id";
/** A receiver should refuse signatures older (or newer) than this: a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The string a webhook signature covers: the timestamp, a dot, then the exact body bytes. */
export function webhookSignedPayload(timestamp: number, body: string): string {
  return `${timestamp}.${body}`;
}

function ipv4Reason(a: number[]): string | null {
  const [x, y] = a as [number, number];
  if (x === 0) return "a 'this network' address";
  if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)) return "a private (RFC 1918) address";
  if (x === 100 && y >= 64 && y <= 127) return "a shared (carrier-grade NAT) address";
  if (x === 127) return "a loopback address";
  if (x === 169 && y === 254) return "a link-local address";
  if ((x === 192 && y === 0 && a[2] === 0) || (x === 198 && (y === 18 || y === 19))) return "a reserved address";
  if (x >= 224) return "a multicast or reserved address";
  return null;
}

/**
 * Why an IP address (v4 or v6 text) must not receive webhooks in production, or null for a public one.
 * Pure, so the web app (at subscription) and the notifier (after resolving DNS, at delivery) share it.
 */
export function privateAddressReason(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return ipv4Reason(v4.slice(1).map(Number));
  if (!ip.includes(":")) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped) return privateAddressReason(mapped[1]!);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (mappedHex) {
    const hi = parseInt(mappedHex[1]!, 16);
    const lo = parseInt(mappedHex[2]!, 16);
    return ipv4Reason([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  if (ip === "::" || ip === "::1") return ip === "::1" ? "a loopback address" : "the unspecified address";
  const first = parseInt(ip.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return "a unique-local (private) address";
  if ((first & 0xffc0) === 0xfe80) return "a link-local address";
  if ((first & 0xff00) === 0xff00) return "a multicast address";
  return null;
}

/**
 * What is wrong with a webhook URL, as a sentence, or null: http(s) only, no credentials, and in
 * production no private, loopback or local-only host written as such (the notifier checks the
 * resolved addresses again at delivery).
 */
export function webhookUrlProblem(raw: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `must be an http(s) URL, not ${url.protocol.replace(":", "")}`;
  if (url.username || url.password) return "must not carry a user name or password";
  if (!production) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || /\.(localhost|local|internal|lan|home\.arpa)$/.test(host)) return `points at ${host}, a local-only host`;
  const reason = privateAddressReason(host);
  return reason ? `points at ${host}, ${reason}` : null;
}
