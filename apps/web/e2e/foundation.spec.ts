import { expect, test, type Page } from "@playwright/test";
import { getDeployment, providerRegistryAbi } from "@gridlease/sdk";
import { listOfferFromNewProvider, publicClient } from "./local-chain";

const OFFER_STATUS_ACTIVE = 1;

async function activeOffersOnChain(registry: `0x${string}`): Promise<number> {
  const next = await publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "nextOfferId" });
  const ids = Array.from({ length: Number(next) - 1 }, (_, i) => BigInt(i + 1));
  const offers = await Promise.all(
    ids.map((id) => publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "getOffer", args: [id] })),
  );
  return offers.filter((o) => o.status === OFFER_STATUS_ACTIVE).length;
}

/**
 * The offer count after a reload: the page renders from the index, which may still be a few blocks
 * behind the transactions just confirmed, so a poll must render again rather than re-read one render.
 */
async function shownOfferCount(page: Page): Promise<number> {
  await page.reload();
  const text = await page.getByTestId("offer-count").first().innerText();
  return Number(text.replace(/[^0-9]/g, ""));
}

test("the home page shows the offers listed on the chain, as mirrored by the indexer into the database", async ({ page }) => {
  const { registry } = getDeployment(31337);

  await page.goto("/");
  const onChain = await activeOffersOnChain(registry.address);
  expect(onChain).toBeGreaterThan(0);
  await expect.poll(() => shownOfferCount(page), { timeout: 20_000 }).toBe(onChain);

  // A brand-new provider lists one more offer straight on the chain; the page must follow.
  await listOfferFromNewProvider(450_000n, "ipfs://foundation-e2e");

  expect(await activeOffersOnChain(registry.address)).toBe(onChain + 1);
  await expect.poll(() => shownOfferCount(page), { timeout: 20_000 }).toBe(onChain + 1);
});
