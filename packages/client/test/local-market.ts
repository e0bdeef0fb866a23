/**
 * A real local market for client and CLI tests: a hardhat node with the contracts deployed, a
 * provider (account 1) registered with its own X25519 key and one offer (8× H100-SXM at 1 USDC per
 * GPU-hour, 1–48 h), and a funded renter (account 2). `accept` plays the provider's agent.
 */
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { generateEncryptionKeyPair, openJson, sealJson, type LeaseRequestPayload } from "@gridlease/sdk/crypto";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { encodeOfferSpec } from "@gridlease/sdk/offers";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";
import { bytesToHex, createPublicClient, createWalletClient, http, type Chain, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

const MNEMONIC = HARDHAT_MNEMONIC;
export const USDC = 1_000_000n;

export interface LocalMarket {
  node: HardhatNode;
  client: PublicClient;
  deployment: GridleaseDeployment;
  renter: HDAccount;
  chain: Chain;
  /** The provider opens the sealed request and accepts with `access` sealed to the renter's key; returns the request it read. */
  accept(leaseId: bigint, access: Record<string, unknown>): Promise<LeaseRequestPayload>;
  stop(): Promise<void>;
}

export async function startLocalMarket(): Promise<LocalMarket> {
  const node = await startHardhatNode();
  const chain = { ...hardhat, rpcUrls: { default: { http: [node.url] } } };
  const client = createPublicClient({ chain, transport: http(node.url), pollingInterval: 100 }) as PublicClient;
  const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
  const [admin, provider, renter] = [account(0), account(1), account(2)];
  const providerKey = generateEncryptionKeyPair();
  const send = async (who: HDAccount, request: Record<string, unknown>) => {
    const hash = await createWalletClient({ account: who, chain, transport: http(node.url) }).writeContract(request as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`setup transaction ${hash} reverted`);
  };
  const deployment = await deployGridlease({ walletClient: createWalletClient({ account: admin, chain, transport: http(node.url) }), publicClient: client });
  const token = deployment.token.address;
  for (const who of [provider, renter]) await send(admin, { address: token, abi: mockUsdcAbi, functionName: "faucet", args: [who.address, 10_000n * USDC] });
  await send(provider, { address: token, abi: mockUsdcAbi, functionName: "approve", args: [deployment.registry.address, 10_000n * USDC] });
  await send(provider, {
    address: deployment.registry.address,
    abi: providerRegistryAbi,
    functionName: "register",
    args: [500n * USDC, bytesToHex(providerKey.publicKey), "ipfs://client-test"],
  });
  const spec = encodeOfferSpec({
    gpuModel: "H100-SXM",
    gpuCount: 8,
    vramGb: 80,
    cpuCores: 32,
    ramGb: 256,
    diskGb: 1000,
    bandwidthMbps: 10000,
    region: "eu-west",
    pricePerGpuHour: USDC,
    minHours: 1,
    maxHours: 48,
  });
  await send(provider, { address: deployment.registry.address, abi: providerRegistryAbi, functionName: "listOffer", args: [spec] });

  return {
    node,
    client,
    deployment,
    renter,
    chain,
    async accept(leaseId, access) {
      const [booked] = await client.getContractEvents({
        address: deployment.escrow.address,
        abi: leaseEscrowAbi,
        eventName: "LeaseBooked",
        args: { leaseId },
        fromBlock: 0n,
      });
      const request = openJson<LeaseRequestPayload>(providerKey, booked!.args.encryptedRequest as Hex, {
        kind: "request",
        chainId: 31337,
        escrow: deployment.escrow.address,
        offerId: booked!.args.offerId!,
        renter: renter.address,
      });
      const sealed = sealJson(request.renterEncryptionKey, access, {
        kind: "access",
        chainId: 31337,
        escrow: deployment.escrow.address,
        leaseId,
        renter: renter.address,
      });
      await send(provider, { address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "accept", args: [leaseId, sealed] });
      return request;
    },
    stop: () => node.stop(),
  };
}
