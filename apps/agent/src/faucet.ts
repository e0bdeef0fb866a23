import {
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  formatEther,
  formatUnits,
  http,
  parseEther,
  parseUnits,
  toHex,
  type Address,
} from "viem";
import { mockUsdcAbi } from "@gridlease/sdk/contracts.generated";
import { LOCAL_CHAIN_ID } from "./chain";
import type { AgentConfig } from "./config";
import { AgentError } from "./errors";

export class FaucetError extends AgentError {
  readonly code = "faucet";
}

/** Gas money for a local provider: registering, listing and a year of accepts and claims cost far less. */
const LOCAL_ETH = parseEther("100");

async function localContracts(config: AgentConfig): Promise<{ token: Address }> {
  if (config.contracts) return { token: config.contracts.token };
  const { getDeployment } = await import("@gridlease/sdk/deployments.generated");
  const deployment = (() => {
    try {
      return getDeployment(LOCAL_CHAIN_ID);
    } catch {
      return undefined;
    }
  })();
  if (!deployment)
    throw new FaucetError(
      `No Gridlease deployment is known for the local chain: run \`pnpm start\` (it deploys the contracts) or set "contracts" in the config.`,
    );
  return { token: deployment.token.address };
}

/**
 * Funds `address` on the local chain only: its ETH balance is set through the node's test RPC
 * (hardhat_setBalance, else anvil_setBalance), and MockUSDC's public faucet mints the stake plus
 * room for more. On any other chain it refuses: there is no faucet for real money.
 */
export async function fundLocally(config: AgentConfig, address: Address, say: (line: string) => void): Promise<void> {
  const probe = createPublicClient({ transport: http(config.rpcUrl) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new FaucetError(
      `Cannot reach the RPC endpoint ${config.rpcUrl}: start the local chain (\`pnpm start\`) or fix rpcUrl in the config (${(error as Error).message.split("\n")[0]}).`,
    );
  }
  if (chainId !== LOCAL_CHAIN_ID) {
    throw new FaucetError(
      `\`gridlease-agent faucet\` only funds addresses on the local chain (${LOCAL_CHAIN_ID}), but ${config.rpcUrl} serves chain ${chainId}: send ${address} ETH for gas and ${config.provider.stake} of the stake token from a funded wallet instead.`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: 100 });
  const setBalance = async (method: "hardhat_setBalance" | "anvil_setBalance") =>
    publicClient.request({ method: method as never, params: [address, toHex(LOCAL_ETH)] as never }).then(
      () => true,
      () => false,
    );
  if (!(await setBalance("hardhat_setBalance")) && !(await setBalance("anvil_setBalance"))) {
    throw new FaucetError(
      `The node at ${config.rpcUrl} accepts neither hardhat_setBalance nor anvil_setBalance: run a Hardhat or Anvil node for the local chain.`,
    );
  }
  const { token } = await localContracts(config);
  const [decimals, symbol] = await Promise.all([
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }),
  ]);
  // The stake plus as much again, so a re-stake or a top-up needs no second trip.
  const amount = parseUnits(config.provider.stake, decimals) * 2n;
  // The node sends for the address without its key (impersonation), so the faucet needs no passphrase.
  const impersonate = async (method: string) =>
    publicClient.request({ method: method as never, params: [address] as never }).then(
      () => true,
      () => false,
    );
  if (!(await impersonate("hardhat_impersonateAccount"))) await impersonate("anvil_impersonateAccount");
  const wallet = createWalletClient({ chain, transport: http(config.rpcUrl), account: address });
  const hash = await wallet.writeContract({ address: token, abi: mockUsdcAbi, functionName: "faucet", args: [address, amount] }).catch((error: Error) => {
    throw new FaucetError(
      `The token at ${token} has no MockUSDC faucet (${error.message.split("\n")[0]}): set "contracts" in the config to the local deployment's addresses.`,
    );
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new FaucetError(`The MockUSDC faucet transaction ${hash} reverted: check "contracts.token" in the config.`);
  // Top the gas money up again after the mint's own fee, so the address starts with a round amount.
  await setBalance("hardhat_setBalance").then((ok) => ok || setBalance("anvil_setBalance"));
  const [eth, tokens] = await Promise.all([
    publicClient.getBalance({ address }),
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [address] }),
  ]);
  say(`Funded ${address} on chain ${chainId}: ${formatEther(eth)} ETH for gas, ${formatUnits(tokens, decimals)} ${symbol} (stake ${config.provider.stake}).`);
}
