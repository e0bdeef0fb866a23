import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

export const SCREENSHOT_DIR = join(import.meta.dirname, "../test-results/screenshots");
export const DESKTOP = { width: 1440, height: 900 };
export const MOBILE = { width: 390, height: 844 };

const openContexts: BrowserContext[] = [];

/** Closes the contexts a test opened: their self-refreshing dashboards would keep loading the server. */
export async function closeAccounts() {
  await Promise.all(openContexts.splice(0).map((context) => context.close()));
}

/** A fresh browser context signed in with development-wallet account #index (Hardhat mnemonic). */
export async function asAccount(browser: Browser, index: number, path = "/"): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP });
  openContexts.push(context);
  const page = await context.newPage();
  await page.goto(path);
  await page.getByTestId("wallet-button").click();
  await page.getByLabel("Development account").selectOption(String(index));
  await page.getByRole("button", { name: "Use", exact: true }).click();
  await expect(page.getByTestId("connected-address")).toBeVisible();
  return page;
}

/** The connected account's token balance shown in the header, in base units. */
export async function walletBalance(page: Page): Promise<bigint> {
  const badge = page.getByTestId("wallet-balance");
  await expect(badge).toBeVisible();
  return BigInt((await badge.getAttribute("data-raw")) ?? "0");
}

export async function waitForBalanceChange(page: Page, before: bigint): Promise<bigint> {
  await expect.poll(() => walletBalance(page), { timeout: 30_000 }).not.toBe(before);
  return walletBalance(page);
}

export async function useFaucet(page: Page) {
  const before = await walletBalance(page);
  await page.getByRole("button", { name: /Get 1000 test USDC/ }).click();
  // The toast and the status line both say what happened (lib/tx-messages.ts).
  await expect(page.getByText("Faucet sent 1,000.00 USDC to your wallet").first()).toBeVisible();
  await expect.poll(() => walletBalance(page)).toBeGreaterThan(before);
}

/** Saves the page at desktop and phone size under test-results/screenshots (kept as CI artifacts). */
export async function screenshotBoth(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [
    ["desktop", DESKTOP],
    ["mobile", MOBILE],
  ] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** Opens an offer's page once the indexer's mirror has the listing (a fresh one may be a few blocks behind). */
export async function openOffer(page: Page, offerId: string) {
  await expect
    .poll(
      async () => {
        await page.goto(`/offers/${offerId}`);
        return page.getByTestId("offer-title").isVisible();
      },
      { timeout: 30_000 },
    )
    .toBe(true);
}
