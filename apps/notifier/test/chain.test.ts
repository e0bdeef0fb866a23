import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, http, type Address } from "viem";
import { leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
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
      kinds: ["booked", "accepted", "not_accepted", "closed", "dispute_opened", "dispute_resolved", "provider_offline"],
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

  it("tells both parties when the provider is reported offline (LeaseLiveness), then the close as ProviderOffline with the amounts", async () => {
    const [offer] = await query<{ offer_id: string; provider: string; price: string }>(
      databaseUrl,
      `select offer_id::text, provider, price_per_gpu_hour::text as price from offer where status = 'Active' and free_units > 0 order by offer_id limit 1`,
    );
    const provider = PROVIDERS.map((i) => chain.sim.account(i)).find((a) => a.address.toLowerCase() === offer!.provider)!;
    const renter = chain.sim.account(201);
    const leaseId = BigInt((await query<{ n: string }>(databaseUrl, `select (max(lease_id) + 1)::text as n from lease`))[0]!.n);
    await chain.sim.send(renter, "escrow", "book", [BigInt(offer!.offer_id), 1, 4, BigInt(offer!.price), "0x01"]);
    await chain.sim.send(provider, "escrow", "accept", [leaseId, "0x02"]);
    const liveness = chain.deployment.liveness.address;
    const read = (functionName: "grace" | "challengeWindow" | "bondOf", args: readonly bigint[] = []) =>
      chain.sim.publicClient.readContract({ address: liveness, abi: leaseLivenessAbi, functionName, args } as never) as Promise<bigint>;
    const [grace, window] = [Number(await read("grace")), Number(await read("challengeWindow"))];
    const acceptedAt = (await chain.sim.publicClient.getBlock()).timestamp;
    await chain.sim.increaseTime(grace + 5);
    // The renter reports its own lease (no watcher approval needed) with the bond approved to LeaseLiveness.
    await chain.sim.send(renter, "token", "approve", [liveness, await read("bondOf", [leaseId])]);
    const renterWallet = createWalletClient({ account: renter, transport: http(chain.node.url) });
    chain.sim.resetNonces();
    await chain.sim.publicClient.waitForTransactionReceipt({
      hash: await renterWallet.writeContract({
        address: liveness,
        abi: leaseLivenessAbi,
        functionName: "reportOutage",
        args: [leaseId, acceptedAt + 1n],
        chain: null,
      }),
    });
    await chain.sim.increaseTime(window + 1);
    await chain.sim.publicClient.waitForTransactionReceipt({
      hash: await renterWallet.writeContract({ address: liveness, abi: leaseLivenessAbi, functionName: "settleOutage", args: [leaseId], chain: null }),
    });
    chain.sim.resetNonces();

    const about = (kind: string) => receiver.hits.filter((h) => h.json.kind === kind && h.json.data.leaseId === leaseId.toString());
    await waitUntil("offline and closed webhooks to both parties", () => about("provider_offline").length === 2 && about("closed").length === 2, 60_000);
    expect(
      about("provider_offline")
        .map((h) => h.json.data.role)
        .sort(),
    ).toEqual(["provider", "renter"]);
    expect(about("provider_offline")[0]!.json.data).toMatchObject({ lastSeen: String(acceptedAt + 1n) });
    const closed = about("closed")[0]!.json.data;
    expect(closed.reason).toBe("ProviderOffline");
    expect(BigInt(closed.renterRefund as string)).toBeGreaterThan(0n);
    for (const hit of [...about("provider_offline"), ...about("closed")]) {
      const index = [...PROVIDERS, ...RENTERS].find((i) => chain.sim.account(i).address.toLowerCase() === hit.json.wallet)!;
      expect(validSignature(hit, `secret-${index}`)).toBe(true);
    }
  });
});
