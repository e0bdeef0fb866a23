import type { LaunchSpecInput } from "@gridlease/sdk/launch-spec";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  bytesToHex,
  keccak256,
  parseEventLogs,
  parseUnits,
  stringToHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { generateEncryptionKeyPair, sealJson, type EncryptionKeyPair } from "@gridlease/sdk/crypto";

/** Hardhat's default accounts (public test mnemonic). */
export const DEPLOYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const PROVIDER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
export const RENTER_KEY: Hex = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

export const usdc = (amount: string) => parseUnits(amount, 6);

export class Market {
  readonly publicClient: PublicClient;
  readonly renter = privateKeyToAccount(RENTER_KEY);
  readonly provider = privateKeyToAccount(PROVIDER_KEY);
  readonly renterKeys: EncryptionKeyPair = generateEncryptionKeyPair();
  private readonly test;
  private readonly renterWallet;

  private constructor(
    readonly rpcUrl: string,
    readonly deployment: GridleaseDeployment,
  ) {
    this.publicClient = createPublicClient({ chain: hardhat, transport: http(rpcUrl), pollingInterval: 100 }) as PublicClient;
    this.test = createTestClient({ chain: hardhat, mode: "hardhat", transport: http(rpcUrl) });
    this.renterWallet = createWalletClient({ chain: hardhat, transport: http(rpcUrl), account: this.renter });
  }

  /** The `contracts` block of an agent or fleet config for this deployment. */
  agentContracts() {
    const { registry, escrow, token } = this.deployment;
    return { registry: registry.address, escrow: escrow.address, token: token.address, deployBlock: Number(registry.deployBlock) };
  }

  static async deploy(rpcUrl: string): Promise<Market> {
    const publicClient = createPublicClient({ chain: hardhat, transport: http(rpcUrl), pollingInterval: 100 }) as PublicClient;
    const walletClient = createWalletClient({ chain: hardhat, transport: http(rpcUrl), account: privateKeyToAccount(DEPLOYER_KEY) });
    const market = new Market(rpcUrl, await deployGridlease({ walletClient, publicClient }));
    for (const who of [market.provider.address, market.renter.address]) {
      await market.confirm(
        await walletClient.writeContract({ address: market.deployment.token.address, abi: mockUsdcAbi, functionName: "faucet", args: [who, usdc("10000")] }),
      );
    }
    await market.confirm(
      await market.renterWallet.writeContract({
        address: market.deployment.token.address,
        abi: mockUsdcAbi,
        functionName: "approve",
        args: [market.deployment.escrow.address, usdc("10000")],
      }),
    );
    return market;
  }

  private async confirm(hash: Hex) {
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`tx ${hash} reverted`);
    return receipt;
  }

  get escrow() {
    return { address: this.deployment.escrow.address, abi: leaseEscrowAbi } as const;
  }

  /** Books like the web app does: the request is sealed to the provider's registered key and carries the renter's own key. */
  async book(options: {
    offerId: bigint;
    providerEncryptionKey: Hex;
    gpus?: number;
    hours?: number;
    note?: string;
    sshPublicKey?: string;
    renterEncryptionKey?: Hex;
    launch?: LaunchSpecInput;
  }): Promise<bigint> {
    const encryptedRequest = sealJson(
      options.providerEncryptionKey,
      {
        sshPublicKey: options.sshPublicKey ?? "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop",
        renterEncryptionKey: options.renterEncryptionKey ?? bytesToHex(this.renterKeys.publicKey),
        note: options.note,
        launch: options.launch,
      },
      { kind: "request", chainId: 31337, escrow: this.deployment.escrow.address, offerId: options.offerId, renter: this.renter.address },
    );
    const receipt = await this.confirm(
      await this.renterWallet.writeContract({
        ...this.escrow,
        functionName: "book",
        args: [options.offerId, options.gpus ?? 1, options.hours ?? 2, usdc("100"), encryptedRequest],
      }),
    );
    // This transaction's own event: the block may hold other bookings.
    const [booked] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseBooked", logs: receipt.logs });
    return booked!.args.leaseId;
  }

  async openDispute(leaseId: bigint) {
    return this.confirm(
      await this.renterWallet.writeContract({
        ...this.escrow,
        functionName: "openDispute",
        args: [leaseId, keccak256(stringToHex("gpu never came up")), "ipfs://evidence"],
      }),
    );
  }

  /** The deployer holds ARBITER_ROLE; it refunds the renter everything not yet paid out. */
  async resolveForRenter(leaseId: bigint) {
    const lease = await this.getLease(leaseId);
    const arbiter = createWalletClient({ chain: hardhat, transport: http(this.rpcUrl), account: privateKeyToAccount(DEPLOYER_KEY) });
    return this.confirm(
      await arbiter.writeContract({ ...this.escrow, functionName: "resolveDispute", args: [leaseId, lease.deposit - lease.paidGross, 0n, 0n, true] }),
    );
  }

  async extend(leaseId: bigint, extraHours: number) {
    // Contracts v2: extensions are bought at the offer's current price.
    const lease = await this.getLease(leaseId);
    const offer = await this.publicClient.readContract({
      address: this.deployment.registry.address,
      abi: providerRegistryAbi,
      functionName: "getOffer",
      args: [lease.offerId],
    });
    return this.confirm(
      await this.renterWallet.writeContract({ ...this.escrow, functionName: "extend", args: [leaseId, extraHours, offer.spec.pricePerGpuHour] }),
    );
  }

  async renterCall(functionName: "cancel" | "reclaim", leaseId: bigint) {
    return this.confirm(await this.renterWallet.writeContract({ ...this.escrow, functionName, args: [leaseId] }));
  }

  /** What the access details of `leaseId` are bound to (the renter opens them with this). */
  accessContext(leaseId: bigint) {
    return { kind: "access", chainId: 31337, escrow: this.deployment.escrow.address, leaseId, renter: this.renter.address } as const;
  }

  getLease(leaseId: bigint) {
    return this.publicClient.readContract({ ...this.escrow, functionName: "getLease", args: [leaseId] });
  }

  async events<const N extends "LeaseBooked" | "LeaseAccepted" | "EarningsClaimed" | "LeaseClosed">(eventName: N, leaseId: bigint) {
    return this.publicClient.getContractEvents({ ...this.escrow, eventName, args: { leaseId } as never, fromBlock: this.deployment.escrow.deployBlock });
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async increaseTime(seconds: number) {
    await this.test.increaseTime({ seconds });
    await this.test.mine({ blocks: 1 });
  }

  balanceOf(who: Address) {
    return this.publicClient.readContract({ address: this.deployment.token.address, abi: mockUsdcAbi, functionName: "balanceOf", args: [who] });
  }
}
