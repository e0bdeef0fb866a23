import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { NOTIFICATION_KINDS } from "@gridlease/sdk/notifications";
import { startNotifier, type Notifier } from "../src/service";
import { messageCounts, query, startSmtpSink, startWebhookReceiver, subscribe, testConfig, validSignature, waitUntil } from "./helpers";
import { indexedBooking, indexedEvent, indexedLease } from "./indexed-rows";

// Real PostgreSQL (embedded, with the migrations and the outbox trigger), a real SMTP server and a real
// HTTP receiver. Events enter as the indexer writes them: lease rows and raw_event rows.
const RENTER = "0x00000000000000000000000000000000000000aa";
const PROVIDER = "0x00000000000000000000000000000000000000bb";
const ALL = [...NOTIFICATION_KINDS];

let pg: RunningPostgres;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let notifier: Notifier | undefined;

beforeAll(async () => {
  pg = await startTempPostgres("gridlease-notifier-");
  await runMigrations(pg.url);
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await notifier?.stop();
  await smtp?.stop();
  await pg?.stop();
});

async function restartNotifier(extra: Record<string, string> = {}) {
  await notifier?.stop();
  notifier = await startNotifier(testConfig(pg.url, { SMTP_URL: smtp.url, ...extra }), () => undefined);
  return notifier;
}

const now = () => Math.floor(Date.now() / 1000);

describe("notifier delivery", () => {
  it("delivers every event kind once per subscription, webhooks signed, emails with an unsubscribe link, and nothing again on replay", async () => {
    const receiver = await startWebhookReceiver();
    const n = await restartNotifier();
    const renterHook = await subscribe(pg.url, { wallet: RENTER, channel: "webhook", target: receiver.url, kinds: ALL, secret: "renter-secret" });
    const providerHook = await subscribe(pg.url, { wallet: PROVIDER, channel: "webhook", target: receiver.url, kinds: ALL, secret: "provider-secret" });
    await subscribe(pg.url, { wallet: RENTER, channel: "email", target: "renter@example.test", kinds: ALL });
    // An unconfirmed address and an unsubscribed kind hear nothing.
    await subscribe(pg.url, { wallet: RENTER, channel: "email", target: "unconfirmed@example.test", kinds: ALL, confirmed: false });
    await subscribe(pg.url, { wallet: PROVIDER, channel: "email", target: "only-booked@example.test", kinds: ["booked"] });

    const parties = { renter: RENTER, provider: PROVIDER };
    for (const id of [1, 2, 3, 4, 5]) await indexedLease(pg.url, { id, ...parties });
    const keys = [
      await indexedEvent(pg.url, "LeaseBooked", {
        leaseId: "1",
        offerId: "1",
        renter: RENTER,
        provider: PROVIDER,
        gpus: 1,
        durationHours: "4",
        pricePerGpuHour: "2000000",
        deposit: "8000000",
        acceptDeadline: String(now() + 900),
      }),
      await indexedEvent(pg.url, "LeaseAccepted", { leaseId: "1", provider: PROVIDER, acceptedAt: String(now()), endsAt: String(now() + 4 * 3600) }),
      await indexedEvent(pg.url, "LeaseClosed", { leaseId: "3", reason: "3", providerTotal: "0", renterRefund: "8000000", feeTotal: "0" }),
      await indexedEvent(pg.url, "LeaseClosed", { leaseId: "1", reason: "1", providerTotal: "7800000", renterRefund: "0", feeTotal: "200000" }),
      await indexedEvent(pg.url, "DisputeOpened", { leaseId: "4", renter: RENTER, evidenceHash: "0x01", evidenceURI: "ipfs://evidence", bond: "1000000" }),
      await indexedEvent(pg.url, "DisputeResolved", { leaseId: "4", arbiter: PROVIDER, renterAmount: "4000000", providerAmount: "4000000", slashAmount: "0" }),
      await indexedEvent(pg.url, "OutageReported", {
        leaseId: "5",
        reporter: RENTER,
        lastSeen: String(now() - 600),
        cutoff: String(now() - 300),
        bond: "1",
        refutableUntil: String(now() + 3600),
      }),
    ];
    // Time-based kinds come from lease rows and the clock: 30 min left (low balance), 10 min left (both).
    await indexedLease(pg.url, { id: 6, ...parties, status: "Active", endsAt: now() + 1800 });
    await indexedLease(pg.url, { id: 7, ...parties, status: "Active", endsAt: now() + 600 });
    await indexedLease(pg.url, { id: 8, ...parties, status: "Active", endsAt: now() + 5 * 3600 });
    await n.clockNow();

    // renter: accepted, not_accepted, closed, dispute×2, offline, low×2, ending_soon = 9; provider: booked, not_accepted, closed, dispute×2, offline, ending_soon = 7
    await waitUntil("16 webhooks and 10 emails", () => receiver.delivered().size === 16 && smtp.mails.length === 10);
    const delivered = receiver.delivered();
    for (const [, hits] of delivered) expect(hits).toHaveLength(1);
    const kindsSeen = new Set([...delivered.values()].map(([h]) => h!.json.kind));
    expect([...kindsSeen].sort()).toEqual([...ALL].sort());
    for (const [id, [hit]] of delivered) {
      const secret = id.startsWith(`${renterHook}:`) ? "renter-secret" : "provider-secret";
      expect(id.startsWith(`${renterHook}:`) || id.startsWith(`${providerHook}:`)).toBe(true);
      expect(validSignature(hit!, secret), `signature of ${id}`).toBe(true);
      expect(validSignature(hit!, "another-secret")).toBe(false);
      expect(hit!.json.id).toBe(id);
    }
    const closed = [...delivered.values()].map(([h]) => h!.json).find((j) => j.kind === "closed" && j.data.role === "renter")!;
    expect(closed.data).toMatchObject({ reason: "Completed", providerTotal: "7800000", renterRefund: "0", feeTotal: "200000", leaseId: "1" });
    expect(closed.summary).toContain("7.8 USDC");
    const notAccepted = [...delivered.values()].map(([h]) => h!.json).find((j) => j.kind === "not_accepted")!;
    expect(notAccepted.data).toMatchObject({ reason: "NotAccepted", renterRefund: "8000000" });
    expect(keys).toHaveLength(7);

    expect(smtp.mails.filter((m) => m.to.includes("unconfirmed@example.test"))).toEqual([]);
    expect(smtp.mails.filter((m) => m.to.includes("only-booked@example.test")).map((m) => m.subject)).toEqual([expect.stringContaining("booked")]);
    for (const mail of smtp.mails) {
      expect(mail.text).toMatch(/Unsubscribe: http:\/\/127\.0\.0\.1:3999\/api\/notifications\/unsubscribe\?token=unsub-/);
      expect(mail.headers["list-unsubscribe"]).toMatch(/^<http:\/\/127\.0\.0\.1:3999\/api\/notifications\/unsubscribe\?token=/);
    }

    // Replays: the dispatcher and the clock again, and the indexer writing the same events again (a reorg).
    await query(pg.url, `delete from raw_event`);
    await n.dispatchNow();
    await n.clockNow();
    const replayed = await query<{ name: string; args: unknown; tx_hash: string; block_number: string }>(
      pg.url,
      `select name, args, tx_hash, block_number::text from notify_outbox where source = 'event'`,
    );
    for (const row of replayed) {
      await query(
        pg.url,
        `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values (31337, $1, 0, $2, $1, '0x02', $3, $4)`,
        [row.tx_hash, row.block_number, row.name, row.args],
      );
    }
    await n.dispatchNow();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.hits).toHaveLength(16);
    expect(smtp.mails).toHaveLength(10);
    expect(await messageCounts(pg.url)).toEqual({ sent: 26 });
    await receiver.stop();
  });

  it("sends the confirmation email of a new address with its link, before the address is confirmed", async () => {
    const n = await restartNotifier();
    const sub = await subscribe(pg.url, { wallet: RENTER, channel: "email", target: "new@example.test", kinds: ["accepted"], confirmed: false });
    const [{ confirm_token }] = await query<{ confirm_token: string }>(pg.url, `select confirm_token from notify_subscription where id = $1`, [sub]);
    await query(pg.url, `insert into notify_outbox (source, chain_id, name, args) values ('confirm', 31337, 'ConfirmEmail', $1)`, [
      JSON.stringify({ subscriptionId: sub, wallet: RENTER, confirmToken: confirm_token }),
    ]);
    await n.dispatchNow();
    await waitUntil("the confirmation email", () => smtp.mails.some((m) => m.to.includes("new@example.test")));
    const mail = smtp.mails.find((m) => m.to.includes("new@example.test"))!;
    expect(mail.subject).toBe("Confirm your Gridlease notifications");
    expect(mail.text).toContain(`http://127.0.0.1:3999/api/notifications/confirm?token=${confirm_token}`);
  });

  it("retries a receiver that fails 3 times, then delivers exactly once per event", async () => {
    const receiver = await startWebhookReceiver({ failFirst: 3 });
    const n = await restartNotifier();
    const sub = await subscribe(pg.url, {
      wallet: "0x00000000000000000000000000000000000000c1",
      channel: "webhook",
      target: receiver.url,
      kinds: ["booked"],
      secret: "s3",
    });
    for (const id of [21, 22, 23]) await indexedBooking(pg.url, { id, renter: RENTER, provider: "0x00000000000000000000000000000000000000c1" });
    await n.dispatchNow();
    await waitUntil("three deliveries after retries", () => receiver.delivered().size === 3, 90_000);
    await new Promise((r) => setTimeout(r, 2000));
    for (const [, hits] of receiver.delivered()) expect(hits).toHaveLength(1);
    expect(receiver.hits).toHaveLength(12); // 3 failures + 1 success, per event
    for (const hit of receiver.hits) expect(validSignature(hit, "s3")).toBe(true);
    const rows = await query<{ status: string; attempts: number }>(pg.url, `select status, attempts from notify_message where subscription_id = $1`, [sub]);
    expect(rows).toEqual([
      { status: "sent", attempts: 4 },
      { status: "sent", attempts: 4 },
      { status: "sent", attempts: 4 },
    ]);
    await receiver.stop();
  });

  it("dead-letters a message whose receiver keeps failing, with the last error, visible per wallet", async () => {
    const receiver = await startWebhookReceiver({ failFirst: 1_000 });
    const n = await restartNotifier({ NOTIFY_RETRY_LIMIT: "1" });
    const wallet = "0x00000000000000000000000000000000000000d1";
    const sub = await subscribe(pg.url, { wallet, channel: "webhook", target: receiver.url, kinds: ["booked"] });
    await indexedBooking(pg.url, { id: 31, renter: RENTER, provider: wallet });
    await n.dispatchNow();
    await waitUntil(
      "the dead letter",
      async () => (await query(pg.url, `select 1 from notify_message where subscription_id = $1 and status = 'dead'`, [sub])).length === 1,
      60_000,
    );
    const [row] = await query<{ attempts: number; last_error: string }>(pg.url, `select attempts, last_error from notify_message where subscription_id = $1`, [
      sub,
    ]);
    expect(row).toEqual({ attempts: 2, last_error: expect.stringContaining("answered 503") });
    await new Promise((r) => setTimeout(r, 3000));
    expect(receiver.hits).toHaveLength(2);
    await receiver.stop();
  });

  it("sends low balance once per lease and threshold, and again after an extension moves the end", async () => {
    const receiver = await startWebhookReceiver();
    const n = await restartNotifier();
    const wallet = "0x00000000000000000000000000000000000000e1";
    await subscribe(pg.url, { wallet, channel: "webhook", target: receiver.url, kinds: ["low_balance"], lowBalanceSeconds: 7200 });
    const endsAt = now() + 5400; // 1.5 h: under the 2 h threshold, over the default 1 h
    await indexedLease(pg.url, { id: 41, renter: wallet, provider: PROVIDER, status: "Active", endsAt });
    await n.clockNow();
    await n.clockNow();
    await waitUntil("one low-balance webhook", () => receiver.delivered().size === 1);
    expect(receiver.hits[0]!.json.data).toMatchObject({ thresholdSeconds: 7200, endsAt: String(endsAt) });
    await indexedLease(pg.url, { id: 41, renter: wallet, provider: PROVIDER, status: "Active", endsAt: endsAt + 1800 });
    await n.clockNow();
    await n.clockNow();
    await waitUntil("the second low-balance webhook", () => receiver.delivered().size === 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.hits).toHaveLength(2);
    await receiver.stop();
  });

  it("forgets processed outbox rows after a week, and never an unprocessed one", async () => {
    const n = await restartNotifier();
    await query(
      pg.url,
      `insert into notify_outbox (source, chain_id, name, args, created_at, processed_at) values
      ('event', 31337, 'Old', '{}', now() - interval '9 days', now() - interval '8 days'),
      ('event', 31337, 'Recent', '{}', now() - interval '2 days', now() - interval '2 days')`,
    );
    await n.clockNow();
    const names = (await query<{ name: string }>(pg.url, `select name from notify_outbox where name in ('Old', 'Recent')`)).map((r) => r.name);
    expect(names).toEqual(["Recent"]);
  });
});
