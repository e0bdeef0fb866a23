import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { startIndexer, type RunningIndexer } from "../../indexer/src/indexer";
import { indexerOptions, seedSmallMarket, waitForBlock } from "../../indexer/test/fixtures";
import { useDeployedChain } from "../../indexer/test/harness";
import { startNotifier, type Notifier } from "../src/service";
import { query, startSmtpSink, startWebhookReceiver, subscribe, testConfig, validSignature, waitUntil } from "./helpers";

// Events from a real chain: a Hardhat node with the Gridlease contracts, the indexer writing PostgreSQL
// as it does under `npm start`, and the notifier delivering to a real HTTP receiver and SMTP server.
const chain = useDeployedChain();
const PROVIDERS = Array.from({ length: 10 }, (_, i) => 100 + i);
const RENTERS = [200, 201, 202, 203];

let databaseUrl: string;
let indexer: RunningIndexer;
let notifier: Notifier;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  databaseUrl = await chain.postgres.create("notifier_chain");
  [receiver, smtp] = await Promise.all([startWebhookReceiver(), startSmtpSink()]);
  for (const i of [...PROVIDERS, ...RENTERS]) {
    await subscribe(databaseUrl, {
      wallet: chain.sim.account(i).address,
      channel: "webhook",
      target: receiver.url,
      kinds: ["booked", "accepted", "not_accepted", "closed", "dispute_opened", "dispute_resolved"],
      secret: `secret-${i}`,
    });
  }
  await subscribe(databaseUrl, {
    wallet: chain.sim.account(200).address,
    channel: "email",
    target: "renter200@example.test",
    kinds: ["accepted", "closed", "not_accepted"],
  });
  indexer = await startIndexer(indexerOptions(databaseUrl, chain.node.url, chain.deployment));
  await indexer.ready;
  notifier = await startNotifier(testConfig(databaseUrl, { SMTP_URL: smtp.url }), () => undefined);
});
afterAll(async () => {
  await notifier?.stop();
  await indexer?.stop();
  await receiver?.stop();
  await smtp?.stop();
});

describe("notifications from a local chain", () => {
  it("delivers each indexed lease event once to each party's webhook, signed, and the renter's emails", async () => {
    await seedSmallMarket(chain.sim);
    // Bookings left pending past the accept window are reclaimed by their renters: NotAccepted.
    await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
    const pending = await query<{ lease_id: string; renter: string }>(databaseUrl, `select lease_id::text, renter from lease where status = 'Pending'`);
    expect(pending.length).toBeGreaterThan(0);
    for (const lease of pending) {
      const renter = RENTERS.map((i) => chain.sim.account(i)).find((a) => a.address.toLowerCase() === lease.renter)!;
      await chain.sim.send(renter, "escrow", "reclaim", [BigInt(lease.lease_id)]);
    }
    await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());

    // What should be said, from the indexed events alone: one message per party the kind goes to.
    const events = await query<{ name: string; n: number }>(
      databaseUrl,
      `select name, count(*)::int as n from raw_event where name in ('LeaseBooked','LeaseAccepted','LeaseClosed','DisputeOpened','DisputeResolved') group by name`,
    );
    const count = Object.fromEntries(events.map((e) => [e.name, e.n]));
    const expected =
      (count.LeaseBooked ?? 0) + (count.LeaseAccepted ?? 0) + 2 * ((count.LeaseClosed ?? 0) + (count.DisputeOpened ?? 0) + (count.DisputeResolved ?? 0));
    expect(count.LeaseBooked).toBeGreaterThanOrEqual(10);
    expect(count.DisputeResolved).toBe(1);

    await waitUntil(`${expected} webhook deliveries`, () => receiver.delivered().size === expected, 90_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.hits).toHaveLength(expected);
    const kinds = new Set<string>();
    for (const hit of receiver.hits) {
      const wallet = hit.json.wallet as string;
      const index = [...PROVIDERS, ...RENTERS].find((i) => chain.sim.account(i).address.toLowerCase() === wallet)!;
      expect(validSignature(hit, `secret-${index}`), hit.deliveryId).toBe(true);
      expect(hit.json.data[hit.json.data.role as "renter" | "provider"]).toBe(wallet as Address);
      kinds.add(hit.json.kind);
    }
    expect([...kinds].sort()).toEqual(["accepted", "booked", "closed", "dispute_opened", "dispute_resolved", "not_accepted"]);
    const reasons = new Set(receiver.hits.filter((h) => h.json.kind === "closed").map((h) => h.json.data.reason));
    expect(reasons.has("ProviderFault") && reasons.has("CancelledByRenter") && reasons.has("DisputeResolved")).toBe(true);

    const renter200 = chain.sim.account(200).address.toLowerCase();
    const renterMails = receiver.hits.filter((h) => h.json.wallet === renter200 && ["accepted", "closed", "not_accepted"].includes(h.json.kind)).length;
    await waitUntil("the renter's emails", () => smtp.mails.length === renterMails);
    for (const mail of smtp.mails) expect(mail.text).toContain("/api/notifications/unsubscribe?token=");
    const statuses = await query<{ status: string; n: number }>(databaseUrl, `select status, count(*)::int as n from notify_message group by status`);
    expect(statuses).toEqual([{ status: "sent", n: expected + renterMails }]);
  });
});
