import { expect, test } from "@playwright/test";
import { parseEventLogs } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { getDeployment, LOCAL_WATCHER_ACCOUNT_INDEX, leaseEscrowAbi, leaseLivenessAbi, mockUsdcAbi } from "@gridlease/sdk";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";
import { asAccount, closeAccounts } from "./helpers";
import { confirmed, devWallet, newProviderWithOffer, publicClient } from "./local-chain";

// Issue 15, SLA history in search: a renter turns the watcher on in the rentals page; a provider with no
// agent goes "dark" on the renter's lease, the stack's own watcher reports and settles the outage (no
// step of the test does), and the provider's SLA history then shows on its offer page and moves it in
// search: last by the `sla` sort, hidden by "Max settled outages" 0.
const RENTER = 19; // a spare development account (dev wallet #10–#19), so this spec's leases are its own
// Both offers in a region no other spec or the seed uses, so the search below sees exactly these two.
const REGION = "sla-e2e";
const CHEAP = 1_000_000n; // the provider that goes dark is the cheaper one: price order and SLA order differ
const DEAR = 3_000_000n;
const WATCHER = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: LOCAL_WATCHER_ACCOUNT_INDEX }).address;

test.afterEach(closeAccounts);

/** A new provider with no agent (so no heartbeats, ever) registers with `stakeMultiple` × the minimum stake and lists one 1× L4 offer. */
async function providerWithOffer(price: bigint, stakeMultiple: bigint) {
  return newProviderWithOffer(price, "e2e://sla", {
    stakeMultiple,
    offer: { gpuCount: 1, cpuCores: 8, ramGb: 32, diskGb: 200, region: REGION, maxHours: 24 },
  });
}

test("a provider whose outage the watcher settled shows its SLA history on the offer page, sorts last by SLA and is hidden by the settled-outage filter", async ({
  browser,
}) => {
  test.setTimeout(420_000);
  const { escrow, token, liveness } = getDeployment(31337);
  expect(liveness, "the stack deploys LeaseLiveness").toBeDefined();
  const renterAddress = devWallet(RENTER).account.address;

  // 1. The renter turns the watcher on in the rentals page: approveReporter(watcher, true) on-chain.
  const rentals = await asAccount(browser, RENTER, "/rentals");
  const panel = rentals.getByTestId("outage-watcher");
  const state = panel.getByTestId("outage-watcher-state");
  await expect(state).toHaveText(/^(on|off)$/);
  if ((await state.innerText()) === "on") {
    // A reused stack where an earlier run left it on: turn it off first, so the click below is what approves.
    await panel.getByTestId("outage-watcher-toggle").click();
    await expect(state).toHaveText("off", { timeout: 30_000 });
  }
  expect(
    await publicClient.readContract({ address: liveness!.address, abi: leaseLivenessAbi, functionName: "isApprovedReporter", args: [renterAddress, WATCHER] }),
  ).toBe(false);
  await panel.getByTestId("outage-watcher-toggle").click();
  await expect(panel.getByTestId("outage-watcher-state")).toHaveText("on", { timeout: 30_000 });
  expect(
    await publicClient.readContract({ address: liveness!.address, abi: leaseLivenessAbi, functionName: "isApprovedReporter", args: [renterAddress, WATCHER] }),
  ).toBe(true);

  // 2. Two agentless providers list in one region; the renter books the cheaper one and it accepts (on-chain).
  const dark = await providerWithOffer(CHEAP, 3n);
  const clean = await providerWithOffer(DEAR, 3n);
  const renter = devWallet(RENTER);
  await confirmed(renter.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [renterAddress, 100_000_000n] }));
  await confirmed(renter.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [escrow.address, 2n * CHEAP] }));
  const booked = await confirmed(
    renter.writeContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "book", args: [BigInt(dark.offerId), 1, 2, CHEAP, "0x01"] }),
  );
  const leaseId = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseBooked", logs: booked.logs })[0]!.args.leaseId;
  await confirmed(dark.wallet.writeContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "accept", args: [leaseId, "0x02"] }));

  // Before any outage both providers have a clean record: the SLA sort falls back to offer id (listing order).
  await rentals.goto(`/?region=${REGION}&online=any&sort=sla`);
  // Each poll reloads: the page is rendered from the index, which may still be a few blocks behind the
  // transactions just confirmed (without a reload a poll would only re-read the first render).
  const rowIds = async () => {
    await rentals.reload();
    return rentals.getByTestId("offer-row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-offer-id")));
  };
  await expect.poll(rowIds, { timeout: 30_000 }).toEqual([dark.offerId, clean.offerId]);

  // 3. No heartbeat ever comes: once the accept is older than the watcher's offline window (120 s), the
  //    watcher reports the outage; the lease is Suspended and the rentals page says so.
  await rentals.goto("/rentals");
  const suspended = rentals.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Suspended"]`);
  await expect(async () => {
    await rentals.reload();
    await expect(suspended).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 200_000, intervals: [5_000] });
  await expect(suspended.getByTestId("outage-reported")).toContainText("Outage reported");

  // 4. Nobody refutes within the challenge window: the watcher settles, the lease closes as provider offline.
  const closed = rentals.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Closed"]`);
  await expect(async () => {
    await rentals.reload();
    await expect(closed).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000, intervals: [5_000] });

  // 5. The offer page shows the provider's SLA history: 1 reported · 0 refuted · 1 settled.
  await rentals.goto(`/offers/${dark.offerId}`);
  await expect(rentals.getByTestId("outage-sla")).toHaveText("1 · 0 · 1");

  // 6. Search: by price the dark provider is first; by SLA it is last; "Max settled outages" 0 hides it.
  await rentals.goto(`/?region=${REGION}&online=any&sort=price`);
  await expect.poll(rowIds, { timeout: 30_000 }).toEqual([dark.offerId, clean.offerId]);
  await rentals.getByRole("navigation", { name: "Sort" }).getByRole("link", { name: "Fewest outages" }).click();
  // rowIds reloads: wait for the sort link's navigation first, or a reload could repeat the price order's URL.
  await expect(rentals).toHaveURL(/sort=sla/);
  await expect.poll(rowIds, { timeout: 30_000 }).toEqual([clean.offerId, dark.offerId]);
  await expect(rentals.locator(`[data-testid="offer-row"][data-offer-id="${dark.offerId}"] [data-testid="offer-outages"]`)).toHaveAttribute(
    "data-settled",
    "1",
  );
  const filters = rentals.getByRole("form", { name: "Filters" });
  await filters.getByLabel("Max settled outages").fill("0");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(rentals).toHaveURL(/maxSettledOutages=0/);
  await expect.poll(rowIds, { timeout: 30_000 }).toEqual([clean.offerId]);
  await expect(rentals.getByTestId("result-count")).toHaveText("1 matching offer(s)");
});
