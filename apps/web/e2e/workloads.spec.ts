import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { toHex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
// The agent's own test helpers: the real `gridlease-agent` process and the Podman test store/image.
import { AgentProcess, runCli } from "../../agent/test/helpers/agent-process";
import { loopbackWorkloads, podmanMissing, startTestPodman, type TestPodman } from "../../agent/test/helpers/podman";
import { getDeployment, mockUsdcAbi } from "@gridlease/sdk";
import { asAccount, closeAccounts, openOffer } from "./helpers";
import { devWallet, publicClient } from "./local-chain";

/**
 * Issue 16 in the browser: a provider runs the real agent with Podman containers on the e2e stack's
 * chain; a renter's bad launch specs get a sentence and send nothing; a good one (a start command that
 * prints a known line and serves a port) runs, the rentals page shows "running", the line and the
 * endpoint, which answers; cancelling removes the container and its data.
 */
const RENTER = 17;
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForGridleaseE2E renter@laptop";
const KNOWN_LINE = "gridlease-browser-e2e-known-line";

test.describe.configure({ mode: "serial" });
test.skip(!!podmanMissing, `container e2e needs Podman: ${podmanMissing}`);
test.afterEach(closeAccounts);

let dir = "";
let podman: TestPodman;
let agent: AgentProcess;
let offerId = "";
let providerAddress = "";

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(240_000);
  dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-e2e-workloads-"));
  podman = await startTestPodman(path.join(dir, "containers"));
  const key = generatePrivateKey();
  const address = privateKeyToAccount(key).address;
  providerAddress = address;
  await publicClient.request({ method: "hardhat_setBalance" as never, params: [address, toHex(parseEther("10"))] as never });
  await writeFile(path.join(dir, "provider.key"), key);
  const fixtures = path.resolve(import.meta.dirname, "../../agent/test/fixtures");
  const config = {
    rpcUrl: process.env.E2E_RPC_URL,
    chainId: 31337,
    apiUrl: baseURL,
    keyFile: "provider-key.json",
    stateDir: "agent-state",
    provider: { stake: "250", metadataURI: "" },
    offer: { region: "eu-west", pricePerGpuHour: "1.00", minHours: 1, maxHours: 24 },
    intervals: { pollSeconds: 0.5, heartbeatSeconds: 2, claimSeconds: 3600 },
    nvidiaSmi: path.join(fixtures, "bin/nvidia-smi"),
    workloads: loopbackWorkloads(podman),
  };
  const configPath = path.join(dir, "agent.json");
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const env = { ...process.env, GRIDLEASE_PASSPHRASE: "e2e passphrase 1", GRIDLEASE_SMI_FIXTURE: path.join(fixtures, "nvidia-smi/h100-sxm-8x") };
  const step = async (args: string[], expected: RegExp) => {
    const result = await runCli(["-c", configPath, ...args], env);
    const match = expected.exec(result.stdout);
    if (result.code !== 0 || !match) throw new Error(`gridlease-agent ${args[0]} failed:\n${result.stdout}${result.stderr}`);
    return match;
  };
  await step(["init", "--import-private-key-file", path.join(dir, "provider.key"), "--scrypt-n", "1024"], /Provider address/);
  await step(["faucet"], /./);
  await step(["register"], /Registered/);
  offerId = (await step(["list"], /Listed offer (\d+):/))[1]!;
  agent = new AgentProcess(configPath, env);
  await agent.waitForLine(/serving as/, 120_000);
});

test.afterAll(async () => {
  await agent?.stop();
  await podman?.cleanup();
});

async function openBookingForm(page: import("@playwright/test").Page) {
  await openOffer(page, offerId);
  await page.getByLabel("SSH public key").fill(SSH_KEY);
  if (await page.getByTestId("offline-warning").isVisible()) await page.getByTestId("offline-accept").check();
}

test("bad launch specs get a sentence in the form and nothing is signed or sent", async ({ browser }) => {
  // Funds from the test token's faucet, sent by the renter's own dev account before the nonce is read.
  const wallet = devWallet(RENTER);
  const { token } = getDeployment(31337);
  const funded = await wallet.writeContract({
    address: token.address,
    abi: mockUsdcAbi,
    functionName: "faucet",
    args: [wallet.account.address, 1000_000_000n],
  });
  await publicClient.waitForTransactionReceipt({ hash: funded });
  const renter = await asAccount(browser, RENTER, "/");
  const address = wallet.account.address;
  expect(await renter.getByTestId("connected-address").getAttribute("data-address")).toBe(address);
  const nonceBefore = await publicClient.getTransactionCount({ address });
  await openBookingForm(renter);
  const cases: { fill: () => Promise<void>; sentence: string }[] = [
    {
      fill: async () => {
        await renter.getByTestId("launch-template").selectOption("custom");
        await renter.getByTestId("launch-image").fill("Not An Image!");
      },
      sentence: "Image: not a valid image reference (registry/name:tag@sha256:<64 hex digits>).",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-image").fill("docker.io/library/ubuntu:24.04");
      },
      sentence: "Image: pin the image by digest: add @sha256:<64 hex digits> so the provider runs exactly the image you chose.",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-template").selectOption("linux-ssh");
        await renter.getByTestId("launch-ports").fill("22, 70000");
      },
      sentence: "Ports (port 2): a port is a whole number from 1 to 65535.",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-ports").fill("8080 8080");
      },
      sentence: "Ports: a port is listed twice.",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-ports").fill("");
        await renter.getByTestId("launch-env").fill(`BIG=${"x".repeat(9000)}`);
      },
      sentence: "Environment: the environment variables exceed 8 KiB in total.",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-env").fill("LD_PRELOAD=/tmp/x.so");
      },
      sentence:
        "Environment (LD_PRELOAD): this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH).",
    },
    {
      fill: async () => {
        await renter.getByTestId("launch-env").fill("");
        await renter.getByTestId("launch-disk").fill("0");
      },
      sentence: "Disk size: the disk size is at least 1 GB.",
    },
    // An unknown template cannot be picked from the list; a page that sends one anyway is refused the same way.
    {
      fill: async () => {
        await renter.getByTestId("launch-disk").fill("20");
        await renter.getByTestId("launch-template").evaluate((select: HTMLSelectElement) => {
          const option = new Option("Windows", "windows");
          select.add(option);
          select.value = "windows";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
      },
      sentence: "Template: unknown template; choose one of linux-ssh, pytorch-jupyter, openai-inference, custom.",
    },
  ];
  for (const { fill, sentence } of cases) {
    await fill();
    await renter.getByRole("button", { name: /^Book for/ }).click();
    await expect(renter.getByText(sentence, { exact: true })).toBeVisible();
    await expect(renter.getByTestId("booked-lease")).toHaveCount(0);
  }
  // No wallet prompt was answered with a transaction: the renter's nonce did not move, and no lease exists on the offer.
  expect(await publicClient.getTransactionCount({ address })).toBe(nonceBefore);
  expect(agent.lines.filter((l) => /booked by/.test(l))).toEqual([]);
});

test("a renter's container runs: the rentals page shows running, the known log line and an endpoint that answers; cancel removes it and its data", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const renter = await asAccount(browser, RENTER, "/");
  await openBookingForm(renter);
  await renter.getByTestId("launch-template").selectOption("custom");
  await renter.getByTestId("launch-image").fill(podman.image);
  await renter.getByTestId("launch-ports").fill("8080");
  await renter.getByTestId("launch-disk").fill("1");
  await renter.getByTestId("launch-env").fill(`LINE=${KNOWN_LINE}`);
  await renter.getByTestId("launch-command").fill('echo "$LINE"; exec httpd -f -p 8080 -h /www');
  await expect(renter.getByTestId("launch-hash")).toHaveText(/^0x[0-9a-f]{64}$/);
  await renter.getByRole("button", { name: /^Book for/ }).click();
  const booked = renter.getByTestId("booked-lease");
  await expect(booked).toBeVisible({ timeout: 60_000 });
  const leaseId = (await booked.innerText()).match(/Lease #(\d+)/)![1]!;
  await agent.waitForLine(new RegExp(`lease ${leaseId}: accepted in block`), 60_000);

  await renter.goto("/rentals");
  const card = renter.locator(`[data-testid="lease-card"][data-lease-id="${leaseId}"][data-status="Active"]`);
  await expect(card).toBeVisible({ timeout: 60_000 });
  await card.getByRole("button", { name: "Decrypt access details" }).click();
  await expect(card.getByTestId("workload-state")).toHaveAttribute("data-state", "running", { timeout: 60_000 });
  await expect(card.getByTestId("workload-state")).toHaveText("running");
  await expect(card.getByTestId("workload-logs")).toContainText(KNOWN_LINE);
  const endpoint = (await card.getByTestId("workload-endpoint").innerText()).trim();
  const [, hostPort] = /^127\.0\.0\.1:(\d+)/.exec(endpoint)!;
  expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toBe("served from the lease container\n");

  // The provider's dashboard shows the same status, read from its agent with the provider token.
  const statusPort = /status API on 127\.0\.0\.1:(\d+)/.exec(agent.lines.find((l) => /status API on/.test(l))!)![1];
  const providerToken = (await readFile(path.join(dir, "agent-state", "workload-provider-token"), "utf8")).trim();
  const dashboard = await (await browser.newContext()).newPage();
  await dashboard.goto(`/provider?address=${providerAddress}`);
  const workloads = dashboard.getByTestId("provider-workloads");
  await expect(workloads.getByRole("button", { name: "Show" })).toBeEnabled({ timeout: 60_000 }); // hydrated (20 s was once not enough in a loaded CI run)
  await workloads.getByLabel("Agent status API URL").fill(`http://127.0.0.1:${statusPort}`);
  await workloads.getByLabel("Provider token").fill(providerToken);
  await workloads.getByRole("button", { name: "Show" }).click();
  const row = workloads.getByTestId("provider-workload").filter({ hasText: `#${leaseId}` });
  await expect(row).toContainText("running", { timeout: 30_000 });
  await expect(row).toContainText(KNOWN_LINE);
  await expect(row).toContainText(`127.0.0.1:${hostPort}→8080`);
  await dashboard.context().close();

  await card.getByRole("button", { name: "Cancel and refund the rest" }).click();
  await renter.getByRole("button", { name: "Yes, cancel and refund" }).click();
  await agent.waitForLine(new RegExp(`lease ${leaseId}: container gridlease-lease-${leaseId}, its network and its data removed`), 120_000);
  expect(() => podman.podman("container", "inspect", `gridlease-lease-${leaseId}`)).toThrow();
  expect(existsSync(path.join(dir, "agent-state", "workloads", `lease-${leaseId}`))).toBe(false);
});
