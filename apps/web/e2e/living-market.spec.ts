import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { mnemonicToAccount } from "viem/accounts";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";
import { asAccount, closeAccounts } from "./helpers";

// Issue 11, "a living market": on the plain `npm start` stack (its provider fleet included, nothing
// else started by the test), a new renter books a seeded offer from search and the provider's agent
// accepts it within seconds with access details that work.
const NEW_RENTER = 15;
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForGridleaseE2E renter@laptop";
const ACCEPT_WITHIN_MS = 10_000;

interface FleetConfig {
  providers: { mnemonicIndex: number; offline?: boolean; pollSeconds?: number }[];
}

/** The seeded providers the stack's fleet serves at full speed (stack/fleet.ts makes a few offline or slow on purpose). */
function promptProviderIndices(): Set<number> {
  const config = JSON.parse(readFileSync(join(import.meta.dirname, "../../../.data/e2e/fleet.json"), "utf8")) as FleetConfig;
  return new Set(config.providers.filter((p) => !p.offline && p.pollSeconds === undefined).map((p) => p.mnemonicIndex));
}

interface ProviderSummary {
  online: boolean;
  lastHeartbeatAt: string | null;
  uptime24h: number | null;
}

test.afterEach(closeAccounts);

test("a new renter books a seeded offer and sees it Active with working access details within 10 s; its provider shows online with last seen moving", async ({
  browser,
  request,
}) => {
  // Search shows only online providers by default; take the cheapest seeded offer of a prompt one.
  const prompt = new Set([...promptProviderIndices()].map((i) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).address.toLowerCase()));
  let offerId = "";
  let provider = "";
  await expect
    .poll(
      async () => {
        const answer = await request.get("/api/offers?sort=price&availableNow=1&limit=100");
        if (!answer.ok()) return false;
        const { offers } = (await answer.json()) as { offers: { offerId: string; provider: string; gpuCount: number; providerOnline: boolean }[] };
        const pick = offers.find((o) => prompt.has(o.provider.toLowerCase()) && o.providerOnline);
        if (!pick) return false;
        offerId = pick.offerId;
        provider = pick.provider;
        return true;
      },
      { timeout: 90_000, message: "an online seeded offer served by a prompt fleet provider" },
    )
    .toBe(true);

  const page = await asAccount(browser, NEW_RENTER, `/offers/${offerId}`);
  await expect(page.getByTestId("offer-title")).toBeVisible();
  await expect(page.getByTestId("online-badge").first()).toHaveAttribute("data-online", "true");
  await expect(page.getByTestId("offline-warning")).toHaveCount(0);

  await page.getByLabel("SSH public key").fill(SSH_KEY);
  await page.getByLabel("Hours").fill("1");
  const short = page.getByTestId("balance-short");
  if (await short.isVisible()) await short.getByRole("button", { name: /Get 1000 test USDC/ }).click();
  const book = page.getByRole("button", { name: /^Book for/ });
  await expect(book).toBeEnabled({ timeout: 30_000 });
  await book.click();
  const booked = page.getByTestId("booked-lease");
  await expect(booked).toBeVisible({ timeout: 30_000 });
  const bookedAt = Date.now();
  const leaseId = (await booked.innerText()).match(/Lease #(\d+)/)![1]!;

  // Nothing else is clicked: the fleet's agent decrypts, provisions and accepts on its own.
  await page.goto("/rentals");
  const active = page.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Active"]`);
  await expect(active).toBeVisible({ timeout: ACCEPT_WITHIN_MS });
  const acceptedAfterMs = Date.now() - bookedAt;
  console.log(`lease #${leaseId} on offer ${offerId}: Active in the renter's page ${acceptedAfterMs} ms after the booking landed`);
  expect(acceptedAfterMs).toBeLessThanOrEqual(ACCEPT_WITHIN_MS);

  // Working access details: the sandbox command decrypts in the browser and really opens the lease's shell.
  await active.getByRole("button", { name: "Decrypt access details" }).click();
  const command = (await active.getByTestId("sandbox-command").innerText()).trim();
  expect(command).toMatch(new RegExp(`/lease-${leaseId}/enter$`));
  const inside = execFileSync(command, ["-c", 'cat README; echo "user=$HOME"'], { encoding: "utf8", timeout: 20_000 });
  expect(inside).toContain(`Gridlease lease ${leaseId}`);
  expect(inside).toContain("user=/home/renter");

  // The provider is online and its last seen moves with the next heartbeat (the fleet beats every 30 s).
  const summary = async () => (await (await request.get(`/api/providers/${provider}`)).json()) as ProviderSummary;
  const first = await summary();
  expect(first.online).toBe(true);
  expect(first.uptime24h ?? 0).toBeGreaterThan(0);
  await expect
    .poll(async () => Date.parse((await summary()).lastHeartbeatAt ?? "0"), { timeout: 45_000 })
    .toBeGreaterThan(Date.parse(first.lastHeartbeatAt ?? "0"));
});
