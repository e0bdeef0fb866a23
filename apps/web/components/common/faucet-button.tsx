"use client";
import { useQueryClient } from "@tanstack/react-query";
import { parseUnits } from "viem";
import { useAccount } from "wagmi";
import { useAppConfig } from "@/lib/app-config";
import { mockUsdcAbi } from "@/lib/contracts";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";
import { LOCAL_CHAIN_ID } from "@/lib/wallet/dev-accounts";

/** Local chain only: the mock token has a public faucet so a newcomer can try every flow. */
export function FaucetButton({ amount = "1000" }: { amount?: string }) {
  const { chainId, contracts } = useAppConfig();
  const { address } = useAccount();
  const queryClient = useQueryClient();
  // Balance reads elsewhere on the page (the booking form's "below the deposit" check) refresh at once.
  const { send, busy } = useContractAction("Faucet", () => void queryClient.invalidateQueries({ queryKey: ["readContract"] }));
  if (chainId !== LOCAL_CHAIN_ID || !contracts || !address) return null;
  return (
    <button
      type="button"
      className="btn-ghost"
      disabled={busy}
      onClick={() =>
        send(
          { address: contracts.token, abi: mockUsdcAbi, functionName: "faucet", args: [address, parseUnits(amount, 6)] },
          txDone.faucet(parseUnits(amount, 6)),
        )
      }
    >
      Get {amount} test USDC
    </button>
  );
}
