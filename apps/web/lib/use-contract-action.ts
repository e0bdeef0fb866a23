"use client";
import { useCallback } from "react";
import type { Abi, ContractFunctionArgs, ContractFunctionName, TransactionReceipt } from "viem";
import { useAccount, useConfig } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { useTransaction } from "./use-transaction";

type WriteParams<abi extends Abi, fn extends ContractFunctionName<abi, "nonpayable" | "payable">> = {
  address: `0x${string}`;
  abi: abi;
  functionName: fn;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", fn>;
};

/**
 * One contract call as a user action: simulate first (so a revert is explained before the wallet
 * opens), then write and wait for the receipt, with the progress shown by useTransaction.
 */
export function useContractAction(label: string, onConfirmed?: (receipt: TransactionReceipt) => void) {
  const config = useConfig();
  const { address } = useAccount();
  const tx = useTransaction(label);
  const { run } = tx;
  const send = useCallback(
    async <abi extends Abi, fn extends ContractFunctionName<abi, "nonpayable" | "payable">>(
      params: WriteParams<abi, fn>,
      /** The sentence for the toast (lib/tx-messages.ts); a function when the receipt tells the amount. */
      done?: string | ((receipt: TransactionReceipt) => string),
    ) =>
      run(async (track) => {
        if (!address) throw new Error("Connect a wallet first.");
        const { request } = await simulateContract(config, { ...params, account: address } as never);
        const receipt = await track(await writeContract(config, request as never));
        onConfirmed?.(receipt);
        return typeof done === "function" ? done(receipt) : done;
      }),
    [address, config, onConfirmed, run],
  );
  return { ...tx, send };
}
