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

/**
 * The newest block's timestamp, polled every `intervalMs` while `enabled`. This is the clock a
 * transaction is simulated against (eth_call at "latest"), so a button whose contract call depends
 * on a deadline having passed (reclaim after the accept window) is offered only once this is past
 * it: the wall clock or the pending block can be up to a block ahead, and the simulation would
 * still revert. On the local chain a block comes every second, so the button appears within a
 * second or two of the deadline.
 */
/**
 * Whether a "deadline has passed" action (reclaim: `block.timestamp > acceptDeadline`) would pass
 * its simulation now: only once the latest block is past the deadline. Unknown block: not yet.
 */
export function latestBlockIsPast(latestBlockTime: number | undefined, deadline: number): boolean {
  return latestBlockTime !== undefined && latestBlockTime > deadline;
}

export function useLatestBlockTime(enabled = true, intervalMs = 1_000): number | undefined {
  const { data } = useBlock({ blockTag: "latest", query: { enabled, refetchInterval: intervalMs, staleTime: intervalMs / 2 } });
  return data ? Number(data.timestamp) : undefined;
}
