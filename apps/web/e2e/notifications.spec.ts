import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { getDeployment, leaseEscrowAbi, mockUsdcAbi } from "@gridlease/sdk";
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from "@gridlease/sdk/notifications";
import { verifyWebhook } from "@gridlease/sdk/webhook-signature";
import { asAccount, closeAccounts, openOffer } from "./helpers";
import { confirmed, devWallet, newProviderWithOffer, publicClient } from "./local-chain";

// Issue 17, notifications: a renter signs in on /notifications, subscribes a webhook (a real HTTP
// receiver in this process) to 'accepted' and 'closed', books a lease in the browser that a provider
// accepts, and the stack's notifier (apps/notifier, started by scripts/stack.ts) delivers exactly one
// signed 'accepted' message, which the notification centre then lists as sent; the renter's cancel then
// brings exactly one signed 'closed' with the chain's amounts.
const RENTER = 16; // a spare development account (dev wallet #10–#19), so this spec's subscriptions and leases are its own
const PRICE = 1_500_000n; // 1.5 USDC per GPU-hour
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForGridleaseE2E renter@laptop";
// After the first delivery, how long the receiver keeps listening for a second one that must not come:
// longer than the notifier's outbox poll (1 s) and its first retry delay (5 s).
const QUIET_MS = 12_000;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** A webhook receiver on 127.0.0.1 that answers 204 and keeps every request it gets, raw. */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), receivedAt: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/gridlease-hook`, deliveries, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

test.afterEach(async () => {
  await closeAccounts();
  await receiver?.close();
});

test("a renter subscribes a webhook on /notifications; bad input stores nothing; an accepted booking and its cancel are each delivered once, signed, and listed as sent", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  receiver = await startReceiver();
  const { escrow, token } = getDeployment(31337);
  const renterAddress = devWallet(RENTER).account.address;

  // 1. Sign in with the wallet (SIWE) on the notifications page, reached by the header's 'Alerts' link.
  const page = await asAccount(browser, RENTER, "/");
  await page.getByRole("link", { name: "Alerts" }).click();
  await expect(page).toHaveURL(/\/notifications$/);
  await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
  await expect(page.getByTestId("account-session")).toBeVisible({ timeout: 30_000 });
  const storedSubscriptions = async () => {
    const answer = await page.request.get("/api/notifications/subscriptions");
    expect(answer.status()).toBe(200);
    return ((await answer.json()) as { subscriptions: { id: string; channel: string; target: string; kinds: string[]; secret?: string }[] }).subscriptions;
  };
  const before = await storedSubscriptions();

  // 2. Bad input: the answer is a sentence that starts with the field's label, and nothing is stored.
  const form = page.getByRole("form", { name: "Add an email address or webhook" });
  const alert = form.getByRole("alert");
  await form.getByLabel("Channel").selectOption("webhook");
  await form.getByLabel("Webhook URL").fill("ftp://127.0.0.1/gridlease-hook");
  await form.getByRole("button", { name: "Subscribe" }).click();
  await expect(alert).toHaveText("Webhook URL: must be an http(s) URL, not ftp.");
  await form.getByLabel("Channel").selectOption("email");
  await form.getByLabel("Email address").fill("renter-at-example.com");
  await form.getByRole("button", { name: "Subscribe" }).click();
  await expect(alert).toHaveText("Email address: must be an email address like name@example.com.");
  expect(await storedSubscriptions()).toEqual(before);
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

  // 3. The webhook, for 'accepted' and 'closed' only. Its signing secret is shown this once.
  await form.getByLabel("Channel").selectOption("webhook");
  await form.getByLabel("Webhook URL").fill(receiver.url);
  const events = form.getByRole("group", { name: "Events" });
  for (const box of await events.getByRole("checkbox").all()) await box.uncheck();
  await events.getByLabel(/The provider accepted your booking/).check();
  await events.getByLabel(/A lease closed/).check();
  await form.getByRole("button", { name: "Subscribe" }).click();
  await expect(alert).toHaveCount(0);
  const secret = (await page.getByTestId("webhook-secret").innerText()).trim();
  expect(secret).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  const row = page.getByTestId("subscription-row").filter({ hasText: receiver.url });
  await expect(row).toContainText("2 event kinds");
  await expect(row).toContainText("active");
  const created = (await storedSubscriptions()).filter((s) => s.target === receiver!.url);
  expect(created).toHaveLength(1);
  expect(created[0]!.kinds.sort()).toEqual(["accepted", "closed"]);
  expect(created[0]!.secret, "the list never carries the secret").toBeUndefined();
  // A reload hides the secret for good: it was shown once.
  await page.reload();
  await expect(page.getByTestId("account-session")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

  // 4. The renter books an agentless provider's offer in the browser; the provider accepts on the chain.
  const provider = await newProviderWithOffer(PRICE, "e2e://notifications");
  const renter = devWallet(RENTER);
  await confirmed(renter.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [renterAddress, 100_000_000n] }));
  await openOffer(page, provider.offerId);
  await page.getByLabel("SSH public key").fill(SSH_KEY);
  await page.getByLabel("Hours").fill("1");
  if (await page.getByTestId("offline-warning").isVisible()) await page.getByTestId("offline-accept").check();
  const book = page.getByRole("button", { name: /^Book for/ });
  await expect(book).toBeEnabled({ timeout: 30_000 });
  await book.click();
  const booked = page.getByTestId("booked-lease");
  await expect(booked).toBeVisible({ timeout: 30_000 });
  const leaseId = (await booked.innerText()).match(/Lease #(\d+)/)![1]!;
  expect(receiver.deliveries, "'booked' goes to the provider, not to this renter's hook").toHaveLength(0);
  await confirmed(provider.wallet.writeContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "accept", args: [BigInt(leaseId), "0x02"] }));
  const acceptedAt = Date.now();

  // 5. Exactly one delivery, signed with the secret the page showed, for this lease's acceptance.
  await expect.poll(() => receiver!.deliveries.length, { timeout: 60_000, message: "the notifier delivers the 'accepted' message" }).toBeGreaterThan(0);
  console.log(`'accepted' for lease #${leaseId} reached the receiver ${receiver.deliveries[0]!.receivedAt - acceptedAt} ms after the accept was mined`);
  await page.waitForTimeout(QUIET_MS);
  expect(receiver.deliveries).toHaveLength(1);
  const [delivery] = receiver.deliveries;
  expect(delivery!.headers["content-type"]).toMatch(/^application\/json/);
  const signature = delivery!.headers[WEBHOOK_SIGNATURE_HEADER] as string;
  expect(verifyWebhook(secret, signature, delivery!.body)).toBe(true);
  // The check can fail: another secret or one changed byte of the body does not verify.
  expect(verifyWebhook(`${secret}x`, signature, delivery!.body)).toBe(false);
  expect(verifyWebhook(secret, signature, `${delivery!.body} `)).toBe(false);
  const message = JSON.parse(delivery!.body) as {
    id: string;
    kind: string;
    chainId: number;
    wallet: string;
    data: { leaseId: string; role: string };
    unsubscribeUrl: string;
  };
  expect(message).toMatchObject({ kind: "accepted", chainId: 31337, data: { leaseId, role: "renter" } });
  expect(message.wallet.toLowerCase()).toBe(renterAddress.toLowerCase());
  expect(delivery!.headers[WEBHOOK_ID_HEADER]).toBe(message.id);
  expect(message.unsubscribeUrl).toMatch(/\/api\/notifications\/unsubscribe\?token=/);

  // 6. The notification centre lists the same message as sent.
  await page.goto("/notifications");
  const centre = page.getByTestId("notification-centre");
  const listed = centre.locator(`[data-testid="notification-row"][data-kind="accepted"][data-lease-id="${leaseId}"]`);
  await expect(listed).toHaveCount(1, { timeout: 30_000 });
  await expect(listed).toHaveAttribute("data-status", "sent", { timeout: 30_000 });
  await expect(listed).toContainText(receiver.url);
  await expect(listed.getByTestId("notification-status")).toContainText("sent");

  // 7. The renter cancels in the rentals page: exactly one more delivery, a signed 'closed' whose reason
  //    and amounts are the chain's LeaseClosed event's.
  await page.goto("/rentals");
  const card = page.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Active"]`);
  await expect(card).toBeVisible({ timeout: 30_000 });
  await card.getByRole("button", { name: "Cancel and refund the rest" }).click();
  await card.getByRole("button", { name: "Yes, cancel and refund" }).click();
  await expect(page.getByText(new RegExp(`Lease #${leaseId} cancelled`)).first()).toBeVisible({ timeout: 30_000 });
  const [closedEvent] = await publicClient.getContractEvents({
    address: escrow.address,
    abi: leaseEscrowAbi,
    eventName: "LeaseClosed",
    args: { leaseId: BigInt(leaseId) },
    fromBlock: 0n,
  });
  expect(closedEvent, "the cancel closed the lease on the chain").toBeDefined();
  await expect.poll(() => receiver!.deliveries.length, { timeout: 60_000, message: "the notifier delivers the 'closed' message" }).toBeGreaterThan(1);
  await page.waitForTimeout(QUIET_MS);
  expect(receiver.deliveries).toHaveLength(2);
  const closedDelivery = receiver.deliveries[1]!;
  expect(verifyWebhook(secret, closedDelivery.headers[WEBHOOK_SIGNATURE_HEADER] as string, closedDelivery.body)).toBe(true);
  const closedMessage = JSON.parse(closedDelivery.body) as { id: string; kind: string; data: Record<string, string> };
  expect(closedMessage.id).not.toBe(message.id);
  expect(closedMessage).toMatchObject({
    kind: "closed",
    data: {
      leaseId,
      role: "renter",
      reason: "CancelledByRenter",
      providerTotal: String(closedEvent!.args.providerTotal),
      renterRefund: String(closedEvent!.args.renterRefund),
      feeTotal: String(closedEvent!.args.feeTotal),
    },
  });
  expect(closedEvent!.args.renterRefund).toBeGreaterThan(0n);
  await page.goto("/notifications");
  const closedRow = page.locator(`[data-testid="notification-row"][data-kind="closed"][data-lease-id="${leaseId}"]`);
  await expect(closedRow).toHaveAttribute("data-status", "sent", { timeout: 30_000 });
  await expect(page.locator(`[data-testid="notification-row"][data-lease-id="${leaseId}"]`)).toHaveCount(2);
});
