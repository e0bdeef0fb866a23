import {
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  http,
  type Abi,
  type Account,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
  type Transport,
  type Chain,
} from "viem";
import type { AgentConfig } from "./config";
import { LOCAL_CHAIN_ID } from "@gridlease/sdk/protocol";
import { AgentError } from "./errors";

export interface ContractAddresses {
  registry: Address;
  escrow: Address;
  token: Address;
  deployBlock: bigint;
}

export interface ChainContext {
  chainId: number;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  account: Account;
  contracts: ContractAddresses;
  tokenDecimals: number;
  tokenSymbol: string;
  sender: TransactionSender;
}

export class ChainSetupError extends AgentError {
  readonly code = "chain_setup";
}

async function contractsFor(config: AgentConfig, chainId: number): Promise<ContractAddresses> {
  if (config.contracts) return { ...config.contracts, deployBlock: BigInt(config.contracts.deployBlock) };
  let known: {
    getDeployment?: (
      chainId: number,
    ) => { token: { address: Address }; registry: { address: Address; deployBlock: bigint }; escrow: { address: Address } } | undefined;
  };
  try {
    known = await import("@gridlease/sdk/deployments.generated");
  } catch {
    known = {};
  }
  let deployment: ReturnType<NonNullable<typeof known.getDeployment>>;
  try {
    deployment = known.getDeployment?.(chainId);
  } catch {
    deployment = undefined;
  }
  if (!deployment) {
    throw new ChainSetupError(`No Gridlease deployment is known for chain ${chainId}; set "contracts" (registry, escrow, token, deployBlock) in the config.`);
  }
  return {
    registry: deployment.registry.address,
    escrow: deployment.escrow.address,
    token: deployment.token.address,
    deployBlock: BigInt(deployment.registry.deployBlock),
  };
}

export async function connect(config: AgentConfig, account: Account): Promise<ChainContext> {
  const probe = createPublicClient({ transport: http(config.rpcUrl) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new ChainSetupError(`Cannot reach the RPC endpoint ${config.rpcUrl}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (config.chainId !== undefined && config.chainId !== chainId) {
    throw new ChainSetupError(
      `The RPC endpoint ${config.rpcUrl} serves chain ${chainId}, but the config says chainId ${config.chainId}: point rpcUrl at a chain ${config.chainId} node, or set "chainId": ${chainId} if that is the chain you mean.`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  // Short polling: Hardhat mines instantly; public chains are slower but the agent only polls its own receipts.
  const transport = http(config.rpcUrl, { retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport, account });
  const contracts = await contractsFor(config, chainId);
  const [tokenDecimals, tokenSymbol] = await Promise.all([
    publicClient.readContract({ address: contracts.token, abi: erc20Abi, functionName: "decimals" }),
    publicClient.readContract({ address: contracts.token, abi: erc20Abi, functionName: "symbol" }),
  ]);
  return { chainId, publicClient, walletClient, account, contracts, tokenDecimals, tokenSymbol, sender: new TransactionSender(publicClient, walletClient) };
}

/**
 * The same chain connection for another signer: the read client (and its connection) is shared, the
 * wallet and its one-at-a-time sender are the account's own, since nonces are per account. The fleet
 * serves many providers this way over one connection.
 */
export function withAccount(ctx: ChainContext, rpcUrl: string, account: Account): ChainContext {
  const walletClient = createWalletClient({ chain: ctx.walletClient.chain, transport: http(rpcUrl, { retryCount: 2 }), account });
  return { ...ctx, account, walletClient, sender: new TransactionSender(ctx.publicClient, walletClient) };
}

export class TransactionFailedError extends AgentError {
  readonly code: string = "transaction_failed";
}

/** The sender has no ETH: nothing the contract refused, so the same call can succeed once the address is funded. */
export class NoGasError extends TransactionFailedError {
  override readonly code = "no_gas";
}

/** The local Hardhat/Anvil chain, where `gridlease-agent faucet` can fund an address. */
export { LOCAL_CHAIN_ID };

/** What an address without gas money must do, in one sentence. */
export function noEthSentence(address: Address, chainId: number): string {
  const fix = chainId === LOCAL_CHAIN_ID ? "run `gridlease-agent faucet` (local chain)" : "send it ETH from a funded wallet";
  return `The address ${address} has no ETH for gas on chain ${chainId}: ${fix}.`;
}

/**
 * Submits the agent's transactions one at a time: concurrent lease work would otherwise race for the
 * same nonce. A call that would revert fails before it is sent, with the contract's error name and
 * arguments: viem estimates its gas first (eth_estimateGas runs the call) and decodes a revert with the
 * call's ABI. (A separate eth_call simulation before that ran every transaction a third time on the
 * node, for nothing: ≈ 25 accepts a second in `pnpm bench:market`.)
 *
 * Only the submission is serialized, not the wait for the receipt: the next transaction takes the next
 * (pending) nonce at once, so a provider with three bookings in one block accepts all three in the next
 * block instead of one block each (booking → accepted p95 in `pnpm bench:market`). A caller whose next
 * call depends on the previous one awaits its receipt first.
 */
export class TransactionSender {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly publicClient: PublicClient,
    private readonly walletClient: WalletClient<Transport, Chain, Account>,
    /** How receipts are awaited; the fleet shares one block-receipts reader among its providers. */
    private readonly waitForReceipt?: (hash: Hash) => Promise<TransactionReceipt>,
  ) {}

  send<const abi extends Abi, functionName extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    call: {
      address: Address;
      abi: abi;
      functionName: functionName;
      args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
    },
    onSubmitted?: (hash: Hash) => Promise<void>,
  ): Promise<TransactionReceipt> {
    const submit = async () => {
      const hash = await this.walletClient.writeContract(call as never).catch(async (error: unknown) => {
        // Nodes answer a sender without gas money in ways viem reports vaguely ("Missing or invalid parameters."); say what it is.
        const me = this.walletClient.account.address;
        const balance = await this.publicClient.getBalance({ address: me }).catch(() => undefined);
        if (balance === 0n) throw new NoGasError(noEthSentence(me, this.walletClient.chain.id));
        throw error;
      });
      await onSubmitted?.(hash);
      return hash;
    };
    const submitted = this.queue.then(submit, submit);
    this.queue = submitted.catch(() => undefined);
    return submitted.then(async (hash) => {
      const receipt = this.waitForReceipt ? await this.waitForReceipt(hash) : await this.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new TransactionFailedError(`${call.functionName} reverted (tx ${hash})`);
      return receipt;
    });
  }
}

/** The revert reason of a viem error, in one line (e.g. `WrongStatus(3, 2)`). */
export function describeError(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; cause?: { data?: { errorName?: string; args?: unknown[] } } };
  const data = (e.cause as { data?: { errorName?: string; args?: readonly unknown[] } } | undefined)?.data;
  if (data?.errorName) return `${data.errorName}(${(data.args ?? []).map(String).join(", ")})`;
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0];
}
