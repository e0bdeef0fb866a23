import { createConnector } from "wagmi";
import { type Address, type Chain, type EIP1193RequestFn, type Hex, http, numberToHex, SwitchChainError, UserRejectedRequestError } from "viem";
import { DEV_ACCOUNT_INDICES, devAccount } from "./dev-accounts";

const SELECTED_KEY = "gridlease.devWallet.account";
const CONNECTED_KEY = "gridlease.devWallet.connected";

function storage(): Storage | undefined {
  return typeof window === "undefined" ? undefined : window.localStorage;
}

export function selectedDevAccountIndex(): number {
  const stored = Number(storage()?.getItem(SELECTED_KEY));
  return DEV_ACCOUNT_INDICES.includes(stored) ? stored : 3;
}

export type DevWalletProperties = {
  /** Switches the connected development account (one of DEV_ACCOUNT_INDICES). */
  selectAccount(index: number): Promise<void>;
};

/**
 * A wagmi connector over viem local accounts derived from the Hardhat mnemonic. Signing happens
 * in the page; everything else goes to the node's RPC. Only offered when the chain is 31337.
 */
export function devWallet(chain: Chain) {
  const rpcUrl = chain.rpcUrls.default.http[0]!;
  const forward = http(rpcUrl)({ chain }).request as EIP1193RequestFn;

  return createConnector<{ request: EIP1193RequestFn }, DevWalletProperties>((config) => {
    const currentAccount = () => devAccount(selectedDevAccountIndex());

    const handle = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
      const args = (params ?? []) as unknown[];
      switch (method) {
        case "eth_chainId":
          return numberToHex(chain.id);
        case "eth_accounts":
        case "eth_requestAccounts":
          return storage()?.getItem(CONNECTED_KEY) === "1" || method === "eth_requestAccounts" ? [(await currentAccount()).address] : [];
        case "personal_sign":
          return (await currentAccount()).signMessage({ message: { raw: args[0] as Hex } });
        case "eth_signTypedData_v4": {
          const typed = JSON.parse(args[1] as string);
          return (await currentAccount()).signTypedData(typed);
        }
        case "eth_sendTransaction": {
          const [{ sendWithLocalAccount }, account] = await Promise.all([import("./dev-wallet-signer"), currentAccount()]);
          return sendWithLocalAccount(account, chain, rpcUrl, args[0] as Parameters<typeof sendWithLocalAccount>[3]);
        }
        case "wallet_switchEthereumChain": {
          const wanted = Number((args[0] as { chainId: Hex }).chainId);
          if (wanted !== chain.id) throw new SwitchChainError(new Error(`The development wallet only serves chain ${chain.id}.`));
          return null;
        }
        case "wallet_requestPermissions":
        case "wallet_revokePermissions":
          return [];
        default:
          return forward({ method, params } as never);
      }
    };
    const request = handle as EIP1193RequestFn;

    return {
      id: "gridlease-dev-wallet",
      name: "Development wallet",
      type: "devWallet",
      async connect({ chainId } = {}) {
        if (chainId && chainId !== chain.id) throw new UserRejectedRequestError(new Error(`Chain ${chainId} is not served.`));
        storage()?.setItem(CONNECTED_KEY, "1");
        const account = await currentAccount();
        return { accounts: [account.address] as never, chainId: chain.id };
      },
      async disconnect() {
        storage()?.removeItem(CONNECTED_KEY);
      },
      async getAccounts() {
        return [(await currentAccount()).address];
      },
      async getChainId() {
        return chain.id;
      },
      async getProvider() {
        return { request };
      },
      async isAuthorized() {
        return storage()?.getItem(CONNECTED_KEY) === "1";
      },
      async selectAccount(index: number) {
        if (!DEV_ACCOUNT_INDICES.includes(index)) throw new Error(`Account #${index} is not a development account.`);
        storage()?.setItem(SELECTED_KEY, String(index));
        const account = await devAccount(index);
        config.emitter.emit("change", { accounts: [account.address] });
      },
      async switchChain({ chainId }) {
        if (chainId !== chain.id) throw new SwitchChainError(new Error(`The development wallet only serves chain ${chain.id}.`));
        return chain;
      },
      onAccountsChanged(accounts) {
        config.emitter.emit("change", { accounts: accounts as Address[] });
      },
      onChainChanged(id) {
        config.emitter.emit("change", { chainId: Number(id) });
      },
      onDisconnect() {
        config.emitter.emit("disconnect");
      },
    };
  });
}
