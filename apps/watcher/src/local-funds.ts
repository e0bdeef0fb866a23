import {
  erc20Abi,
  formatEther,
  formatUnits,
  parseEther,
  parseUnits,
  toHex,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { leaseLivenessAbi, mockUsdcAbi } from "@gridlease/sdk/contracts.generated";
import { LOCAL_CHAIN_ID } from "@gridlease/sdk/local-accounts";

/** Gas money and bond money of the local watcher: hundreds of reports' worth. */
const LOCAL_ETH = parseEther("100");
const LOCAL_BOND_MONEY = "1000";

/**
 * On the local chain only (its dev account's key is public, see config.ts): tops the watcher's wallet
 * up with ETH through the node's test RPC and with MockUSDC from its public faucet, so that it can pay
 * report bonds. Anywhere else the operator funds the wallet.
 */
export async function fundLocalWatcher(options: {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  liveness: Address;
  log: (line: string) => void;
}): Promise<void> {
  const { publicClient, walletClient, log } = options;
  if (walletClient.chain.id !== LOCAL_CHAIN_ID) return;
  const me = walletClient.account.address;
  if ((await publicClient.getBalance({ address: me })) < LOCAL_ETH / 10n) {
    const set = (method: string) =>
      publicClient.request({ method: method as never, params: [me, toHex(LOCAL_ETH)] as never }).then(
        () => true,
        () => false,
      );
    if (!(await set("anvil_setBalance")) && !(await set("hardhat_setBalance"))) log(`${me} has no ETH and the node sets no balances: send it ETH for gas.`);
  }
  const token = await publicClient.readContract({ address: options.liveness, abi: leaseLivenessAbi, functionName: "token" });
  const decimals = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" });
  const want = parseUnits(LOCAL_BOND_MONEY, decimals);
  const balance = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [me] });
  if (balance < want) {
    const { request } = await publicClient.simulateContract({
      address: token,
      abi: mockUsdcAbi,
      functionName: "faucet",
      args: [me, want - balance],
      account: walletClient.account,
    });
    await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(request) });
  }
  const [eth, usdc] = await Promise.all([
    publicClient.getBalance({ address: me }),
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [me] }),
  ]);
  log(`local wallet ${me} holds ${formatEther(eth)} ETH and ${formatUnits(usdc, decimals)} USDC for report bonds.`);
}
