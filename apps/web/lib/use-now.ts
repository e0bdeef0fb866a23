"use client";
import { useEffect, useState } from "react";
import { useBlock } from "wagmi";

/** Unix seconds by this computer's clock, ticking. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Unix seconds by the chain's clock, ticking. Lease times are chain timestamps, and a chain's clock
 * can run ahead of the wall clock (a local node after `evm_increaseTime`, a testnet with drift), so
 * countdowns and accrual use the offset of the pending block's timestamp from this computer's clock.
 */
export function useChainNow(intervalMs = 1_000): number {
  const now = useNow(intervalMs);
  const { data: pending, dataUpdatedAt } = useBlock({ blockTag: "pending", query: { refetchInterval: 30_000, staleTime: 15_000 } });
  if (!pending || !dataUpdatedAt) return now;
  const offset = Number(pending.timestamp) - Math.floor(dataUpdatedAt / 1000);
  return now + offset;
}
