import { expect, test, type Page } from "@playwright/test";
import { createPublicClient, createWalletClient, defineChain, http, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { encodeOfferSpec, getDeployment, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk";

// The e2e stack (GRIDLEASE_PROFILE=e2e in scripts/stack.ts) runs its Hardhat node here.
const RPC_URL = process.env.E2E_RPC_URL ?? "http://127.0.0.1:8645";
const chain = defineChain({ id: 31337, name: "Hardhat", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [RPC_URL] } } });
const publicClient = createPublicClient({ chain, transport: http(RPC_URL) });
const OFFER_STATUS_ACTIVE = 1;

async function activeOffersOnChain(registry: `0x${string}`): Promise<number> {
  const next = await publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "nextOfferId" });
  const ids = Array.from({ length: Number(next) - 1 }, (_, i) => BigInt(i + 1));
  const offers = await Promise.all(ids.map((id) => publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "getOffer", args: [id] })));
  return offers.filter((o) => o.status === OFFER_STATUS_ACTIVE).length;
}

async function shownOfferCount(page: Page): Promise<number> {
  const text = await page.getByTestId("offer-count").first().innerText();
  return Number(text.replace(/[^0-9]/g, ""));
}

test("the home page shows the offers listed on the chain, as mirrored by the indexer into the database", async ({ page }) => {
  const { registry, token } = getDeployment(31337);

  await page.goto("/");
  const onChain = await activeOffersOnChain(registry.address);
  expect(onChain).toBeGreaterThan(0);
  await expect.poll(() => shownOfferCount(page)).toBe(onChain);

  // A brand-new provider lists one more offer straight on the chain; the page must follow.
  const provider = privateKeyToAccount(generatePrivateKey());
  await publicClient.request({ method: "hardhat_setBalance" as never, params: [provider.address, toHex(parseEther("10"))] as never });
  const wallet = createWalletClient({ account: provider, chain, transport: http(RPC_URL) });
  const stake = await publicClient.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "minStake" });
  const send = async (hash: Promise<`0x${string}`>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
  };
  await send(wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [provider.address, stake] }));
  await send(wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [registry.address, stake] }));
  await send(wallet.writeContract({ address: registry.address, abi: providerRegistryAbi, functionName: "register", args: [stake, toHex(1, { size: 32 }), "ipfs://foundation-e2e"] }));
  await send(
    wallet.writeContract({
      address: registry.address,
      abi: providerRegistryAbi,
      functionName: "listOffer",
      args: [
        encodeOfferSpec({
          gpuModel: "L4",
          gpuCount: 2,
          vramGb: 24,
          cpuCores: 16,
          ramGb: 64,
          diskGb: 500,
          bandwidthMbps: 1000,
          region: "eu-north",
          pricePerGpuHour: 450_000n,
          minHours: 1,
          maxHours: 72,
        }),
      ],
    }),
  );

  expect(await activeOffersOnChain(registry.address)).toBe(onChain + 1);
  await expect
    .poll(async () => {
      await page.reload();
      return shownOfferCount(page);
    }, { timeout: 20_000 })
    .toBe(onChain + 1);
});
