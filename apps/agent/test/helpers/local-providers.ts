import path from "node:path";
import { createTestClient, createWalletClient, http, parseEther, parseEventLogs, type Hex } from "viem";
import { hardhat } from "viem/chains";
import { mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { localAccount, localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { encodeOfferSpec, type OfferSpecDraft } from "@gridlease/sdk/offers";
import { usdc, type Market } from "./market";
import { SANDBOX_COMMAND } from "../../src/sandbox";

/**
 * Registers Hardhat-mnemonic accounts the way scripts/seed.ts does (encryption key derived from the
 * index, so a fleet config naming the index can decrypt their bookings) and lists one 2× RTX 4090 offer
 * each (`offer` changes its terms). Providers are set up `concurrency` at a time; each one's
 * transactions go in order. Returns the offer id per index.
 */
export async function registerLocalProviders(
  market: Market,
  indices: number[],
  {
    concurrency = 32,
    ether = "10",
    metadataTag = "fleet",
    offer = {},
  }: { concurrency?: number; ether?: string; metadataTag?: string; offer?: Partial<OfferSpecDraft> } = {},
): Promise<Map<number, bigint>> {
  const test = createTestClient({ chain: hardhat, mode: "hardhat", transport: http(market.rpcUrl) });
  const { token, registry } = market.deployment;
  const offers = new Map<number, bigint>();
  const setUp = async (index: number) => {
    const account = localAccount(index);
    await test.setBalance({ address: account.address, value: parseEther(ether) });
    const wallet = createWalletClient({ chain: hardhat, transport: http(market.rpcUrl), account });
    const confirm = (hash: Hex) => market.publicClient.waitForTransactionReceipt({ hash });
    await confirm(await wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [account.address, usdc("1000")] }));
    await confirm(await wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [registry.address, usdc("500")] }));
    await confirm(
      await wallet.writeContract({
        address: registry.address,
        abi: providerRegistryAbi,
        functionName: "register",
        args: [usdc("500"), localProviderEncryptionPublicKey(index), `ipfs://${metadataTag}/${index}`],
      }),
    );
    const spec = encodeOfferSpec({
      gpuModel: "RTX4090",
      gpuCount: 2,
      vramGb: 24,
      cpuCores: 16,
      ramGb: 64,
      diskGb: 1000,
      bandwidthMbps: 1000,
      region: "eu-west",
      pricePerGpuHour: usdc("0.50"),
      minHours: 1,
      maxHours: 48,
      ...offer,
    });
    const receipt = await confirm(await wallet.writeContract({ address: registry.address, abi: providerRegistryAbi, functionName: "listOffer", args: [spec] }));
    // From this transaction's own logs: a block can hold several providers' listings (concurrent setup), and
    // taking the block's first OfferListed gave two providers one offer id (the bench's InsufficientUnits reverts).
    const [listed] = parseEventLogs({ abi: providerRegistryAbi, eventName: "OfferListed", logs: receipt.logs });
    if (!listed) throw new Error(`provider ${index}: listOffer emitted no OfferListed event`);
    offers.set(index, listed.args.offerId);
  };
  const queue = [...indices];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) await setUp(index);
    }),
  );
  return offers;
}

/** The built-in bubblewrap sandbox provisioner (src/sandbox.ts) as `npm start` configures it, with the sandboxes under `dir`. */
export function sandboxProvisioner(dir: string, timeoutSeconds = 20) {
  const env = { GRIDLEASE_SANDBOX_ROOT: path.join(dir, "sandboxes") };
  return {
    provision: { command: SANDBOX_COMMAND, timeoutSeconds, env },
    deprovision: { command: SANDBOX_COMMAND, timeoutSeconds, env },
  };
}
