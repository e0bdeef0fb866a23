"use client";
import { useAccount, useSwitchChain } from "wagmi";
import { useAppConfig } from "@/lib/app-config";

/** Shown while the connected wallet sits on another chain; every write would fail there. */
export function NetworkGuard() {
  const { chainId: appChainId } = useAppConfig();
  const { isConnected, chainId } = useAccount();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!isConnected || chainId === appChainId) return null;
  return (
    <div role="alert" className="fixed inset-x-0 bottom-0 z-50 border-t border-amber-500/40 bg-amber-950/95 px-4 py-2 text-sm text-amber-200">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-3">
        <span>
          Your wallet is on chain {chainId ?? "unknown"}; Gridlease runs on chain {appChainId}.
        </span>
        <button type="button" className="btn-primary" disabled={isPending} onClick={() => switchChain({ chainId: appChainId })}>
          Switch network
        </button>
        {error && <span className="text-rose-300">{error.message.split("\n")[0]}</span>}
      </div>
    </div>
  );
}
