import { createHmac, timingSafeEqual } from "node:crypto";
import { WEBHOOK_TOLERANCE_SECONDS, webhookSignedPayload } from "./notifications";

/** Server-only (node:crypto): the notifier signs with it, receivers and tests verify with it. */

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(webhookSignedPayload(timestamp, body)).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/**
 * True when `header` carries a v1 HMAC of `body` under `secret`, stamped within the tolerance of
 * `nowSeconds`. Compared in constant time.
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): boolean {
  if (!header) return false;
  const parts = new Map(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1");
  if (!Number.isInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(webhookSignedPayload(timestamp, body)).digest();
  return timingSafeEqual(expected, Buffer.from(given, "hex"));
}
