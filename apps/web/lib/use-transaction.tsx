"use client";
import { useCallback, useState } from "react";
import { toast } from "sonner";
import type { Hash, TransactionReceipt } from "viem";
import { useConfig } from "wagmi";
import { waitForTransactionReceipt } from "wagmi/actions";
import { describeTxError } from "./tx-errors";

export type TxPhase = "idle" | "signing" | "pending" | "confirmed" | "failed";

export interface TxState {
  phase: TxPhase;
  hash?: Hash;
  error?: string;
  /** What the action did, once it is done (lib/tx-messages.ts). */
  done?: string;
}

/** The steps of one action; they may return the sentence saying what happened, which wins over `done`. */
// biome-ignore lint/suspicious/noConfusingVoidType: steps written as `async (track) => { … }` return Promise<void>, which `undefined` would refuse
export type TxSteps = (track: (hash: Hash, stepLabel?: string) => Promise<TransactionReceipt>) => Promise<string | void>;

/**
 * Runs one user action made of wallet steps (signatures and transactions) and reports each
 * phase in a toast and in `state`, so every page shows pending / confirmed / failed the same way.
 */
export function useTransaction(label: string) {
  const config = useConfig();
  const [state, setState] = useState<TxState>({ phase: "idle" });

  const run = useCallback(
    async (steps: TxSteps, done?: string): Promise<boolean> => {
      const id = toast.loading(`${label}: confirm in your wallet…`);
      setState({ phase: "signing" });
      const track = async (hash: Hash, stepLabel = label) => {
        setState({ phase: "pending", hash });
        toast.loading(`${stepLabel}: pending (${hash.slice(0, 10)}…)`, { id });
        const receipt = await waitForTransactionReceipt(config, { hash });
        if (receipt.status !== "success") throw new Error(`${stepLabel}: the transaction reverted on-chain.`);
        return receipt;
      };
      try {
        const said = (await steps(track)) || done || `${label}: done`;
        setState((s) => ({ phase: "confirmed", hash: s.hash, done: said }));
        toast.success(said, { id });
        return true;
      } catch (error) {
        const message = describeTxError(error);
        setState((s) => ({ phase: "failed", hash: s.hash, error: message }));
        toast.error(`${label} failed: ${message}`, { id, duration: 10_000 });
        return false;
      }
    },
    [config, label],
  );

  return { state, run, busy: state.phase === "signing" || state.phase === "pending" };
}

export function TxStatus({ state }: { state: TxState }) {
  if (state.phase === "idle") return null;
  const text = {
    signing: "Waiting for your wallet…",
    pending: "Transaction pending…",
    confirmed: state.done ? `${state.done}.` : "Done.",
    failed: state.error ?? "Failed.",
  }[state.phase];
  const color = state.phase === "failed" ? "text-rose-400" : state.phase === "confirmed" ? "text-emerald-400" : "text-slate-300";
  return (
    <p role="status" data-testid="tx-status" data-phase={state.phase} className={`mt-2 text-sm ${color}`}>
      {text}
    </p>
  );
}
