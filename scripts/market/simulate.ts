/**
 * Drives the real contracts on a local chain: the seeding script, the indexer tests and the
 * indexer benchmark all create market activity through this. Accounts are derived from the
 * Hardhat mnemonic at indices ≥ 100 (the web dev wallet and e2e tests use #3..#19).
 */
import { leaseEscrowAbi, leaseLivenessAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  parseEther,
  type Abi,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from "viem";
import { encodeOfferSpec, type OfferSpecDraft } from "@gridlease/sdk/offers";
import { mnemonicToAccount } from "viem/accounts";
import { localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";

export { HARDHAT_MNEMONIC };
const USDC = 1_000_000n;

export interface SimulationDeployment {
  token: Address;
  registry: Address;
  escrow: Address;
  /** The escrow's LeaseLiveness (outage reports), when the deployment has one. */
  liveness?: Address;
}

export type Contract = "token" | "registry" | "escrow" | "liveness";
const ABIS: Record<Contract, Abi> = {
  token: mockUsdcAbi as Abi,
  registry: providerRegistryAbi as Abi,
  escrow: leaseEscrowAbi as Abi,
  liveness: leaseLivenessAbi as Abi,
};

export class Simulator {
  readonly publicClient;
  private readonly chain;
  private readonly nonces = new Map<Address, number>();
  private readonly locks = new Map<Address, Promise<unknown>>();
  private readonly accounts = new Map<number, PrivateKeyAccount>();
  transactions = 0;

  constructor(
    readonly rpcUrl: string,
    readonly chainId: number,
    readonly deployment: SimulationDeployment,
  ) {
    this.chain = defineChain({
      id: chainId,
      name: `chain-${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    this.publicClient = createPublicClient({ chain: this.chain, cacheTime: 0, transport: http(rpcUrl, { batch: false, retryCount: 0, timeout: 60_000 }) });
  }

  /** Hardhat-mnemonic account `index` (as a local signer, so it needs no unlocked node account). */
  account(index: number): PrivateKeyAccount {
    let account = this.accounts.get(index);
    if (!account) {
      const hd = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
      account = hd as unknown as PrivateKeyAccount;
      this.accounts.set(index, account);
    }
    return account;
  }

  /** Sends a contract call from `from`, serialised per account with locally tracked nonces. */
  async send(from: PrivateKeyAccount, contract: Contract, functionName: string, args: unknown[], gas = 1_500_000n): Promise<Hex> {
    const previous = this.locks.get(from.address) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        let nonce = this.nonces.get(from.address);
        if (nonce === undefined) nonce = await this.publicClient.getTransactionCount({ address: from.address, blockTag: "pending" });
        const wallet = createWalletClient({ account: from, chain: this.chain, transport: http(this.rpcUrl, { retryCount: 0, timeout: 60_000 }) });
        const data = encodeFunctionData({ abi: ABIS[contract], functionName, args });
        const hash = await wallet.sendTransaction({
          to: this.deployment[contract]!,
          data,
          gas,
          nonce,
          maxFeePerGas: 100_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
        } as Parameters<typeof wallet.sendTransaction>[0]);
        this.nonces.set(from.address, nonce + 1);
        this.transactions++;
        return hash;
      });
    this.locks.set(from.address, next);
    try {
      return await next;
    } catch (error) {
      this.nonces.delete(from.address); // re-read the nonce after a failure
      throw error;
    }
  }

  /** Gives each account ETH for gas and USDC from the faucet; `funder` is an unlocked node account (Hardhat #0). */
  async fund(indices: number[], usdc: bigint, funder: Address): Promise<void> {
    const wallet = createWalletClient({ account: funder, chain: this.chain, transport: http(this.rpcUrl) });
    for (const index of indices) {
      await wallet.sendTransaction({ to: this.account(index).address, value: parseEther("10") });
    }
    await Promise.all(indices.map((index) => this.send(this.account(index), "token", "faucet", [this.account(index).address, usdc * USDC])));
  }

  /** Forget cached nonces (after evm_revert or a failed send). */
  resetNonces(): void {
    this.nonces.clear();
  }

  async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return (await this.publicClient.request({ method: method as "eth_chainId", params: params as never })) as T;
  }

  async increaseTime(seconds: number): Promise<void> {
    await this.rpc("evm_increaseTime", [seconds]);
    await this.rpc("evm_mine");
  }
}

export type OfferSpecInput = OfferSpecDraft;
export const offerSpec = encodeOfferSpec<OfferSpecInput>;

/** A real X25519 public key whose private half the local provider fleet derives too, so it can serve seeded offers. */
export function encryptionKeyFor(index: number): Hex {
  return localProviderEncryptionPublicKey(index);
}

/** Deterministic PRNG (mulberry32) so simulated activity is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { USDC };
