import { expect, test } from "@playwright/test";
import { parseEventLogs } from "viem";
import { getDeployment, leaseEscrowAbi, leaseTopUpsAbi, mockUsdcAbi } from "@gridlease/sdk";
import { asAccount, closeAccounts } from "./helpers";
import { confirmed, devWallet, newProviderWithOffer, publicClient } from "./local-chain";

// A spare development account (docs: dev wallet #10–#19), so this spec's leases are its own.
const RENTER = 14;
const PRICE = 2_000_000n; // 2 USDC per GPU-hour

test.afterEach(closeAccounts);

/** A new provider (no agent) lists one 2× L4 offer and accepts the renter's 2-hour booking, all on the chain. */
async function runningLeaseOfRenter(): Promise<bigint> {
  const { escrow, token } = getDeployment(31337);
  const { wallet: p, offerId } = await newProviderWithOffer(PRICE, "e2e://auto-top-up");
  const renter = devWallet(RENTER);
  await confirmed(renter.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [renter.account.address, 100_000_000n] }));
  await confirmed(renter.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [escrow.address, 4n * PRICE] }));
  const booked = await confirmed(
    renter.writeContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "book", args: [BigInt(offerId), 1, 2, PRICE, "0x01"] }),
  );
  const leaseId = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseBooked", logs: booked.logs })[0]!.args.leaseId;
  await confirmed(p.writeContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "accept", args: [leaseId, "0x02"] }));
  return leaseId;
}

test("a renter sets up auto top-up, a keeper tops the lease up within it, the renter revokes, and the spend history exports as CSV", async ({ browser }) => {
  const { topUps } = getDeployment(31337);
  expect(topUps, "the stack deploys LeaseTopUps").toBeDefined();
  const leaseId = await runningLeaseOfRenter();
  const page = await asAccount(browser, RENTER, "/rentals");
  const card = page.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Active"]`);
  await expect(card).toBeVisible({ timeout: 30_000 });
  const panel = card.getByTestId("auto-top-up");
  await expect(panel.getByTestId("auto-top-up-state")).toHaveText("off");

  // A wrong value is refused under the form, naming the field, before any wallet prompt.
  await panel.getByRole("button", { name: "Set up auto top-up" }).click();
  await panel.getByLabel(/Spend at most in total/).fill("0");
  await panel.getByRole("button", { name: "Save and approve" }).click();
  await expect(panel.getByText("The spending cap must be more than 0")).toBeVisible();

  // Keep 3 h on a 2 h lease (so it is due at once), at most 10 USDC, never above 2 USDC per GPU-hour.
  await panel.getByLabel(/Keep at least/).fill("3");
  await panel.getByLabel(/Spend at most in total/).fill("10");
  await panel.getByLabel(/Never above/).fill("2");
  await panel.getByRole("button", { name: "Save and approve" }).click();
  await expect(page.getByText(`Auto top-up on for lease #${leaseId}`).first()).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId("auto-top-up-state")).toHaveText("on");
  await expect(panel.getByTestId("auto-top-up-policy")).toContainText("spends at most 10.00 USDC in total");
  // The form approved LeaseTopUps for the cap; a keeper may already have spent some of it.
  const allowance = await publicClient.readContract({
    address: getDeployment(31337).token.address,
    abi: mockUsdcAbi,
    functionName: "allowance",
    args: [devWallet(RENTER).account.address, topUps!.address],
  });
  const { spent: spentSoFar } = await publicClient.readContract({ address: topUps!.address, abi: leaseTopUpsAbi, functionName: "policyOf", args: [leaseId] });
  expect(allowance + spentSoFar).toBe(10_000_000n);

  // A keeper (the notifier's may have been first; then this one is told it is not needed).
  const keeper = devWallet(15);
  await keeper
    .writeContract({ address: topUps!.address, abi: leaseTopUpsAbi, functionName: "topUp", args: [leaseId] })
    .then((hash) => publicClient.waitForTransactionReceipt({ hash }))
    .catch(() => undefined);
  await expect
    .poll(async () => (await publicClient.readContract({ address: topUps!.address, abi: leaseTopUpsAbi, functionName: "policyOf", args: [leaseId] })).spent, {
      timeout: 30_000,
    })
    .toBe(2n * PRICE);
  await page.reload();
  await expect(panel.getByTestId("auto-top-up-spent")).toHaveAttribute("data-raw", String(2n * PRICE));

  await panel.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText(`Auto top-up of lease #${leaseId} revoked`).first()).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId("auto-top-up-state")).toHaveText("off");

  // The spend history lists the deposit and the top-up (told from an extension by LeaseTopUps' event) once
  // the indexer has them; the CSV has every row.
  const history = page.getByTestId("billing-history");
  await expect
    .poll(
      async () => {
        await page.reload();
        return history.locator(`[data-testid="billing-row"][data-kind="top_up"][data-amount="-${2n * PRICE}"]`).count();
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThan(0);
  const csvHref = await history.getByTestId("billing-csv").getAttribute("href");
  const response = await page.request.get(csvHref!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await response.text()).split("\r\n");
  expect(lines[0]).toBe("time_utc,block,lease,kind,amount_usdc,gross_usdc,fee_usdc,tx,note");
  expect(lines.some((line) => line.includes(`,${leaseId},top_up,-4,`))).toBe(true);
  expect(lines.some((line) => line.includes(`,${leaseId},deposit,-4,`))).toBe(true);
});
