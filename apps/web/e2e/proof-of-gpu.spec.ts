import { expect, test } from "@playwright/test";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { asAccount, closeAccounts, screenshotBoth } from "./helpers";
import { newProviderWithOffer } from "./local-chain";

// Issue 21, Proof of GPU: the stack's own watcher challenges the local fleet's agents (CPU-sized
// matrices, deadlines from the GPU table), audits the answers and records signed results; no step of
// this test writes a check. A fleet offer it verified carries the "Verified <model>" badge in search and
// on its offer page (with the signed evidence), and "Verified only" hides an offer nobody verified: a
// new provider with no agent (never online, so never checked).
const RENTER = 18; // a spare development account (dev wallet #10–#19); it only browses here
const REGION = "pog-e2e"; // no other spec or the seed lists here
const CHEAPEST = 1n; // 0.000001 USDC per GPU-hour: first by price in any region filter that includes it

interface Hit {
  offerId: string;
  provider: string;
  gpuModel: string;
  region: string;
  verifiedAt: string | null;
}

test.afterEach(closeAccounts);

test("an offer the stack's watcher verified shows the badge and its signed checks, and Verified only hides an unchecked offer", async ({ browser }) => {
  test.setTimeout(300_000);
  const page = await asAccount(browser, RENTER, "/");
  const unverified = await newProviderWithOffer(CHEAPEST, "e2e://pog", { offer: { region: REGION, gpuCount: 1 } });

  // 1. The watcher checks fleet offers a few every 2 s from start: wait for the first verified one (the API's cheapest).
  let verified: Hit | undefined;
  await expect
    .poll(
      async () => {
        const response = await page.request.get("/api/offers?verified=1&online=any&sort=price&limit=1");
        verified = ((await response.json()) as { offers: Hit[] }).offers[0];
        return verified?.verifiedAt ?? null;
      },
      { timeout: 180_000, intervals: [2_000] },
    )
    .not.toBeNull();
  const hit = verified!;
  const label = `Verified ${gpuModelById(hit.gpuModel)?.label.replace("NVIDIA ", "") ?? hit.gpuModel}`;

  // 2. Search over both regions, cheapest first: the agentless provider's offer leads, with no badge.
  // Each poll reloads: the page renders from the index, which may be a few blocks behind the listing.
  await page.goto(`/?online=any&sort=price&region=${REGION},${hit.region}`);
  const rows = page.getByTestId("offer-row");
  const rowIds = async () => {
    await page.reload();
    return rows.evaluateAll((list) => list.map((row) => `${row.getAttribute("data-offer-id")}:${row.getAttribute("data-verified")}`));
  };
  await expect.poll(async () => (await rowIds())[0], { timeout: 30_000 }).toBe(`${unverified.offerId}:false`);
  await expect(page.locator(`[data-testid="offer-row"][data-offer-id="${unverified.offerId}"] [data-testid="verified-badge"]`)).toHaveCount(0);

  // 3. "Verified only": the unchecked offer goes, the verified one is listed, every row carries the badge.
  // (The watcher keeps verifying fleet offers meanwhile, so a cheaper one may now lead: the set only grows.)
  const filters = page.getByRole("form", { name: "Filters" });
  await filters.getByTestId("verified-only").check();
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/verified=1/);
  await expect.poll(rowIds, { timeout: 30_000 }).toContain(`${hit.offerId}:true`);
  const ids = await rowIds();
  expect(ids).not.toContain(`${unverified.offerId}:false`);
  expect(ids.every((id) => id.endsWith(":true"))).toBe(true);
  await expect(rows.getByTestId("verified-badge")).toHaveCount(ids.length);
  const badge = page.locator(`[data-testid="offer-row"][data-offer-id="${hit.offerId}"] [data-testid="verified-badge"]`);
  await expect(badge).toContainText(label);
  await expect(badge).toContainText(/checked \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  await screenshotBoth(page, "search-verified-only");

  // The API agrees: the unchecked offer is there without the filter and gone with it.
  const inRegion = async (query: string) =>
    ((await (await page.request.get(`/api/offers?online=any&region=${REGION}${query}`)).json()) as { total: number }).total;
  expect(await inRegion("")).toBe(1);
  expect(await inRegion("&verified=1")).toBe(0);

  // 4. The offer page: the badge, and the evidence — a passed check by the (trusted) watcher, in time, its signature valid.
  await page.goto(`/offers/${hit.offerId}`);
  await expect(page.getByTestId("verified-badge")).toContainText(label);
  const passed = page.locator('[data-testid="gpu-check"][data-outcome="Passed"][data-trusted="true"]').first();
  await expect(passed).toBeVisible();
  await expect(passed.getByTestId("gpu-check-elapsed")).toHaveText(/^\d+ ms of \d+ ms$/);
  const [elapsed, deadline] = (await passed.getByTestId("gpu-check-elapsed").innerText()).match(/\d+/g)!.map(Number);
  expect(elapsed).toBeLessThanOrEqual(deadline!);
  await expect(passed.getByTestId("gpu-check-signature")).toHaveText("✓ valid");
  await expect(page.getByTestId("provider-flagged")).toHaveCount(0);
  await screenshotBoth(page, "offer-gpu-checks");

  // 5. The provider's public check history (linked from here, leases and disputes) spans its offers.
  await page.getByRole("link", { name: "All of this provider's checks" }).click();
  await expect(page).toHaveURL(new RegExp(`/providers/${hit.provider}/gpu-checks$`, "i"));
  const history = page.locator("#gpu-checks");
  await expect(history.locator(`[data-testid="gpu-check"][data-outcome="Passed"] a[href="/offers/${hit.offerId}"]`).first()).toBeVisible();

  // 6. The same evidence as JSON for anyone to re-check: the watcher's signature verifies, the provider is not flagged.
  const evidence = (await (await page.request.get(`/api/providers/${hit.provider}/gpu-checks?limit=100`)).json()) as {
    flag: { flagged: boolean };
    checks: { offerId: string; outcome: string; trusted: boolean; signatureValid: boolean; elapsedMs: number; deadlineMs: number }[];
  };
  expect(evidence.flag.flagged).toBe(false);
  const passedCheck = evidence.checks.find((c) => c.offerId === hit.offerId && c.outcome === "Passed");
  expect(passedCheck).toMatchObject({ trusted: true, signatureValid: true });
  expect(passedCheck!.elapsedMs).toBeLessThanOrEqual(passedCheck!.deadlineMs);
  expect((await page.request.get(`/api/providers/${hit.provider}/gpu-checks?limit=0`)).status()).toBe(400);
});
