/**
 * The renter's contract calls over viem (contracts v2 ABI): book with an EIP-2612 permit, extend at the
 * offer's current price, cancel, open a dispute (with its bond), read a lease, open its access details.
 * Each write is simulated first, so a revert never costs gas, and any failure is thrown as TxError
 * whose message is the sentence the web app shows (@gridlease/sdk/tx-errors).
 */
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import {
  ENCRYPTION_KEY_MESSAGE,
  keyPairFromSignature,
  openJson,
  sealJson,
  type EncryptionKeyPair,
  type LeaseAccessPayload,
  type LeaseRequestPayload,
} from "@gridlease/sdk/crypto";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { LEASE_STATUS, PERMIT_TYPES } from "@gridlease/sdk/protocol";
import { describeTxError } from "@gridlease/sdk/tx-errors";
import {
  bytesToHex,
  keccak256,
  parseEventLogs,
  parseSignature,
  stringToHex,
  type Account,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import { ClientError } from "./errors";

/** Lease status names by on-chain value, generated from the contracts (@gridlease/sdk/protocol). */
export const LEASE_STATUSES = LEASE_STATUS;

/** A refused or failed transaction; `message` is one sentence a person can act on. */
export class TxError extends ClientError {
  readonly code = "transaction";
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "TxError";
  }
}

export type TxProgress =
  | { stage: "signing"; what: string }
  | { stage: "sent"; what: string; hash: Hex }
  | { stage: "confirmed"; what: string; hash: Hex; block: bigint };

export interface GridleaseContracts {
  chainId: number;
  escrow: Address;
  registry: Address;
  token: Address;
}

export interface RenterOptions {
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: Account;
  /** Defaults to the recorded deployment of the chain (packages/sdk deployments.generated). */
  contracts?: Partial<GridleaseContracts>;
  onProgress?: (progress: TxProgress) => void;
}

/** The escrow to use and the registry and token it names (read from the escrow, never assumed). */
export async function resolveContracts(publicClient: PublicClient, overrides: Partial<GridleaseContracts> = {}): Promise<GridleaseContracts> {
  const chainId = overrides.chainId ?? (await publicClient.getChainId());
  const escrow = overrides.escrow ?? getDeployment(chainId).escrow.address;
  const [registry, token] = await Promise.all([
    overrides.registry ?? publicClient.readContract({ address: escrow, abi: leaseEscrowAbi, functionName: "registry" }),
    overrides.token ?? publicClient.readContract({ address: escrow, abi: leaseEscrowAbi, functionName: "paymentToken" }),
  ]);
  return { chainId, escrow, registry, token };
}

/** The renter's X25519 key, derived from a signature exactly as the web app does, so both open the same access details. */
export async function renterEncryptionKey(walletClient: WalletClient, account: Account): Promise<EncryptionKeyPair> {
  return keyPairFromSignature(await walletClient.signMessage({ account, message: ENCRYPTION_KEY_MESSAGE }));
}

/** A read's revert (UnknownLease, UnknownOffer…) as TxError with its sentence. */
async function sentences<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw new TxError(describeTxError(error), error);
  }
}

export class RenterClient {
  private constructor(
    private readonly options: RenterOptions,
    readonly contracts: GridleaseContracts,
  ) {}

  static async connect(options: RenterOptions): Promise<RenterClient> {
    return new RenterClient(options, await resolveContracts(options.publicClient, options.contracts));
  }

  private get address(): Address {
    return this.options.account.address;
  }

  private progress(event: TxProgress) {
    this.options.onProgress?.(event);
  }

  /** Simulates, sends and waits for one call; a revert at any step becomes TxError with its sentence. */
  private async send(
    what: string,
    call: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] },
  ): Promise<TransactionReceipt> {
    const { publicClient, walletClient, account } = this.options;
    try {
      const { request } = await publicClient.simulateContract({ ...call, account } as never);
      const hash = await walletClient.writeContract(request as never);
      this.progress({ stage: "sent", what, hash });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new TxError(`The ${what} transaction ${hash} reverted.`);
      this.progress({ stage: "confirmed", what, hash, block: receipt.blockNumber });
      return receipt;
    } catch (error) {
      throw error instanceof TxError ? error : new TxError(describeTxError(error), error);
    }
  }

  private async ensureAllowance(amount: bigint) {
    const allowance = await this.options.publicClient.readContract({
      address: this.contracts.token,
      abi: mockUsdcAbi,
      functionName: "allowance",
      args: [this.address, this.contracts.escrow],
    });
    if (allowance < amount)
      await this.send("token approval", { address: this.contracts.token, abi: mockUsdcAbi, functionName: "approve", args: [this.contracts.escrow, amount] });
  }

  /** A lease as the chain has it; an unknown id throws TxError "Lease #n does not exist." */
  async getLease(leaseId: bigint) {
    const lease = await sentences(
      this.options.publicClient.readContract({ address: this.contracts.escrow, abi: leaseEscrowAbi, functionName: "getLease", args: [leaseId] }),
    );
    return { ...lease, statusName: LEASE_STATUSES[lease.status] ?? "None" };
  }

  async getOffer(offerId: bigint) {
    return sentences(
      this.options.publicClient.readContract({ address: this.contracts.registry, abi: providerRegistryAbi, functionName: "getOffer", args: [offerId] }),
    );
  }

  /**
   * Books `gpus` GPUs of an offer for `hours`, paying by permit (one signature, one transaction). The
   * request (SSH key, the renter's encryption key) is sealed to the provider's registered key and bound
   * to this chain, escrow, offer and renter. Refused on-chain if the price rose above `maxPricePerGpuHour`.
   */
  async book(params: { offerId: bigint; gpus: number; hours: number; maxPricePerGpuHour: bigint; sshPublicKey: string; note?: string }) {
    const { publicClient, walletClient, account } = this.options;
    const offer = await this.getOffer(params.offerId);
    const provider = await publicClient.readContract({
      address: this.contracts.registry,
      abi: providerRegistryAbi,
      functionName: "getProvider",
      args: [offer.provider],
    });
    this.progress({ stage: "signing", what: "encryption key" });
    const renterKey = await renterEncryptionKey(walletClient, account);
    const payload: LeaseRequestPayload = {
      sshPublicKey: params.sshPublicKey,
      renterEncryptionKey: bytesToHex(renterKey.publicKey),
      ...(params.note ? { note: params.note } : {}),
    };
    const encryptedRequest = sealJson(provider.encryptionKey, payload, {
      kind: "request",
      chainId: this.contracts.chainId,
      escrow: this.contracts.escrow,
      offerId: params.offerId,
      renter: this.address,
    });
    // The permit covers the deposit at the guard price; the escrow pulls it at the actual price.
    const value = params.maxPricePerGpuHour * BigInt(params.gpus) * BigInt(params.hours);
    this.progress({ stage: "signing", what: "permit" });
    const [nonce, domain, pending] = await Promise.all([
      publicClient.readContract({ address: this.contracts.token, abi: mockUsdcAbi, functionName: "nonces", args: [this.address] }),
      publicClient.readContract({ address: this.contracts.token, abi: mockUsdcAbi, functionName: "eip712Domain" }),
      publicClient.getBlock({ blockTag: "pending" }),
    ]);
    const [, name, version, chainId, verifyingContract] = domain;
    const deadline = pending.timestamp + 30n * 60n; // the token checks it against the chain's clock
    const signature = await walletClient.signTypedData({
      account,
      domain: { name, version, chainId: Number(chainId), verifyingContract },
      types: PERMIT_TYPES,
      primaryType: "Permit",
      message: { owner: this.address, spender: this.contracts.escrow, value, nonce, deadline },
    });
    const { r, s, v, yParity } = parseSignature(signature);
    const receipt = await this.send("booking", {
      address: this.contracts.escrow,
      abi: leaseEscrowAbi,
      functionName: "bookWithPermit",
      args: [
        params.offerId,
        params.gpus,
        params.hours,
        params.maxPricePerGpuHour,
        encryptedRequest,
        deadline,
        v !== undefined ? Number(v) : yParity + 27,
        r,
        s,
      ],
    });
    const [booked] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseBooked", logs: receipt.logs });
    if (!booked) throw new TxError("The booking was mined but no LeaseBooked event was found.");
    return { leaseId: booked.args.leaseId, deposit: booked.args.deposit, hash: receipt.transactionHash, block: receipt.blockNumber };
  }

  /** Adds hours to an active lease at the offer's current price (v2), refused if that is above `maxPricePerGpuHour`. */
  async extend(params: { leaseId: bigint; extraHours: number; maxPricePerGpuHour?: bigint }) {
    const lease = await this.getLease(params.leaseId);
    const offer = await this.getOffer(lease.offerId);
    const price = params.maxPricePerGpuHour ?? offer.spec.pricePerGpuHour;
    await this.ensureAllowance(BigInt(lease.gpus) * price * BigInt(params.extraHours));
    const receipt = await this.send("extension", {
      address: this.contracts.escrow,
      abi: leaseEscrowAbi,
      functionName: "extend",
      args: [params.leaseId, params.extraHours, price],
    });
    const [extended] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseExtended", logs: receipt.logs });
    return { hash: receipt.transactionHash, block: receipt.blockNumber, extraDeposit: extended?.args.extraDeposit };
  }

  /** Cancels a lease: the unused time is refunded (a pending one entirely). */
  async cancel(leaseId: bigint) {
    const receipt = await this.send("cancellation", { address: this.contracts.escrow, abi: leaseEscrowAbi, functionName: "cancel", args: [leaseId] });
    return { hash: receipt.transactionHash, block: receipt.blockNumber };
  }

  /** Opens a dispute with the evidence text (its hash on-chain, the text as a data: URI), paying the v2 bond. */
  async openDispute(leaseId: bigint, evidence: string) {
    // The bond is the lease's disputeBondBps (fixed at booking) of its deposit, as the web app computes it;
    // disputeBond(leaseId) reads the bond already posted, which is 0 until the dispute is open.
    const [lease, terms] = await Promise.all([
      this.getLease(leaseId),
      sentences(this.options.publicClient.readContract({ address: this.contracts.escrow, abi: leaseEscrowAbi, functionName: "leaseTerms", args: [leaseId] })),
    ]);
    const bond = (lease.deposit * BigInt(terms.disputeBondBps)) / 10_000n;
    if (bond > 0n) await this.ensureAllowance(bond);
    const uri = `data:text/plain;charset=utf-8,${encodeURIComponent(evidence)}`;
    const receipt = await this.send("dispute", {
      address: this.contracts.escrow,
      abi: leaseEscrowAbi,
      functionName: "openDispute",
      args: [leaseId, keccak256(stringToHex(evidence)), uri],
    });
    return { hash: receipt.transactionHash, block: receipt.blockNumber, bond };
  }

  /** The provider's sealed access details for a lease (LeaseAccepted), or null before it is accepted. */
  async sealedAccess(leaseId: bigint): Promise<Hex | null> {
    const deployBlock = (() => {
      try {
        return getDeployment(this.contracts.chainId).escrow.deployBlock;
      } catch {
        return 0n;
      }
    })();
    const events = await this.options.publicClient.getContractEvents({
      address: this.contracts.escrow,
      abi: leaseEscrowAbi,
      eventName: "LeaseAccepted",
      args: { leaseId },
      fromBlock: deployBlock,
    });
    return (events.at(-1)?.args.encryptedAccess as Hex | undefined) ?? null;
  }

  /** Opens the access details locally with the renter's derived key; they never leave this process. */
  async accessDetails(leaseId: bigint): Promise<LeaseAccessPayload | null> {
    const sealed = await this.sealedAccess(leaseId);
    if (!sealed) return null;
    const key = await renterEncryptionKey(this.options.walletClient, this.options.account);
    return openJson<LeaseAccessPayload>(key, sealed, {
      kind: "access",
      chainId: this.contracts.chainId,
      escrow: this.contracts.escrow,
      leaseId,
      renter: this.address,
    });
  }
}
