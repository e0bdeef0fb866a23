"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useAccount } from "wagmi";

/**
 * Keeps `?address=` equal to the connected wallet so the server renders that account's data,
 * and re-renders every few seconds to pick up what the indexer mirrored from the chain.
 */
export function AddressSync({ path, address, refreshMs = 3_000 }: { path: string; address: string | null; refreshMs?: number }) {
  const router = useRouter();
  const { address: connected } = useAccount();
  useEffect(() => {
    if (connected && connected.toLowerCase() !== address?.toLowerCase()) router.replace(`${path}?address=${connected}`, { scroll: false });
  }, [connected, address, path, router]);
  useEffect(() => {
    if (!address) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [address, refreshMs, router]);
  return null;
}

export function ConnectPrompt({ what }: { what: string }) {
  return (
    <div className="card text-center" role="status">
      <p className="text-slate-300">Connect a wallet to see {what}.</p>
      <p className="mt-1 text-sm text-slate-500">Use “Connect wallet” at the top right. On the local chain the development wallet has funded accounts.</p>
    </div>
  );
}
