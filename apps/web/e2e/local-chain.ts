import { expect } from "@playwright/test";
import { bytesToHex, createPublicClient, createWalletClient, defineChain, http, parseEther, parseEventLogs, toHex, type Hex } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { encodeOfferSpec, generateEncryptionKeyPair, getDeployment, mockUsdcAbi, providerRegistryAbi, type OfferSpecDraft } from "@gridlease/sdk";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";

// The e2e stack (GRIDLEASE_PROFILE=e2e in scripts/stack.ts) runs its local chain here.
export const RPC_URL = process.env.E2E_RPC_URL ?? "http://127.0.0.1:8645";
export const chain = defineChain({
  id: 31337,
  name: "Hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [RPC_URL] } },
});
export const publicClient = createPublicClient({ chain, transport: http(RPC_URL) });

/** Development account #index of the public test mnemonic (local chain only), as a wallet. */
export function devWallet(index: number) {
  return createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index }), chain, transport: http(RPC_URL) });
}

export async function confirmed(hash: Promise<Hex>) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/**
 * A brand-new provider with no agent registers and lists one 2× L4 offer straight on the chain (so its
 * bookings stay pending until the renter acts); resolves to the offer id.
 */
export async function listOfferFromNewProvider(pricePerGpuHour: bigint, metadataURI: string): Promise<string> {
  return (await newProviderWithOffer(pricePerGpuHour, metadataURI)).offerId;
}

/**
 * As listOfferFromNewProvider, with the provider's wallet too: a test then accepts or declines in its
 * name. `stakeMultiple` × the minimum stake is staked; `offer` changes the offer's terms.
 */
export async function newProviderWithOffer(
  pricePerGpuHour: bigint,
  metadataURI: string,
  { stakeMultiple = 1n, offer = {} }: { stakeMultiple?: bigint; offer?: Partial<OfferSpecDraft> } = {},
) {
  const { registry, token } = getDeployment(31337);
  const provider = privateKeyToAccount(generatePrivateKey());
  await publicClient.request({ method: "hardhat_setBalance" as never, params: [provider.address, toHex(parseEther("10"))] as never });
  const wallet = createWalletClient({ account: provider, chain, transport: http(RPC_URL) });
  const stake = stakeMultiple * (await publicClient.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "minStake" }));
  await confirmed(wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "faucet", args: [provider.address, stake] }));
  await confirmed(wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "approve", args: [registry.address, stake] }));
  const key = bytesToHex(generateEncryptionKeyPair().publicKey);
  await confirmed(wallet.writeContract({ address: registry.address, abi: providerRegistryAbi, functionName: "register", args: [stake, key, metadataURI] }));
  const receipt = await confirmed(
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
          pricePerGpuHour,
          minHours: 1,
          maxHours: 72,
          ...offer,
        }),
      ],
    }),
  );
  const [listed] = parseEventLogs({ abi: providerRegistryAbi, eventName: "OfferListed", logs: receipt.logs });
  return { wallet, offerId: listed!.args.offerId.toString() };
}

/** Moves every test USDC development account #index holds to account #0, so it starts the test with none. */
export async function emptyTokenBalance(index: number) {
  const { token } = getDeployment(31337);
  const wallet = devWallet(index);
  const balance = await publicClient.readContract({ address: token.address, abi: mockUsdcAbi, functionName: "balanceOf", args: [wallet.account.address] });
  if (balance > 0n) {
    await confirmed(
      wallet.writeContract({ address: token.address, abi: mockUsdcAbi, functionName: "transfer", args: [devWallet(0).account.address, balance] }),
    );
  }
}
