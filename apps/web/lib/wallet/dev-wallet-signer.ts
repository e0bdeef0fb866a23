import { createWalletClient, hexToBigInt, http, type Address, type Chain, type Hex, type LocalAccount } from "viem";

type RpcTransaction = { from?: Address; to?: Address; data?: Hex; value?: Hex; gas?: Hex };

/**
 * Signs and sends with a local account. Loaded on the first transaction only: the wallet client
 * and transaction serialization are not needed to browse the marketplace.
 */
export async function sendWithLocalAccount(account: LocalAccount, chain: Chain, rpcUrl: string, tx: RpcTransaction): Promise<Hex> {
  const client = createWalletClient({ account, chain, transport: http(rpcUrl) });
  return client.sendTransaction({
    account,
    chain,
    to: tx.to,
    data: tx.data,
    value: tx.value ? hexToBigInt(tx.value) : undefined,
    gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
  });
}
