"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useChainNow, useLatestBlockTime } from "@/lib/use-now";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { ensureAllowance } from "@/lib/permit";
import { useContracts } from "@/lib/app-config";
import { usdcInput } from "@/lib/amounts";
import { providerRegistryAbi } from "@/lib/contracts";
import { formatDate, formatDuration, formatToken } from "@/lib/format";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

/** Stake, unstake cooldown and withdrawal, read live from the registry (the cooldown is a chain fact). */
export function StakePanel() {
  const contracts = useContracts();
  const router = useRouter();
  const { address } = useAccount();
  const config = useConfig();
  const now = useChainNow();
  const { data: provider, refetch } = useReadContract({
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: address ? [address] : undefined,
    query: { enabled: !!address },
  });
  const latestBlockTime = useLatestBlockTime((provider?.pendingUnstake ?? 0n) > 0n);
  const { data: cooldown } = useReadContract({ address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "unstakeCooldown" });
  const action = useContractAction("Stake", () => {
    void refetch();
    router.refresh();
  });
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);
  if (!provider) return null;
  const availableAt = Number(provider.unstakeAvailableAt);
  const pending = provider.pendingUnstake;
  // Withdrawing is simulated against the latest block, so it is offered once that block is past the cooldown.
  const waiting = pending > 0n && (latestBlockTime ?? 0) < availableAt;

  const submit = (kind: "requestUnstake" | "addStake") => {
    const parsed = usdcInput("Amount").safeParse(amount);
    if (!parsed.success || parsed.data === 0n) return setError("Enter a USDC amount above zero, like 25.");
    setError(null);
    if (kind === "requestUnstake") {
      return action.send(
        { address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: kind, args: [parsed.data] },
        txDone.unstakeRequested(parsed.data, cooldown !== undefined ? Number(cooldown) : null),
      );
    }
    return action.run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      await ensureAllowance(config, { token: contracts.token, owner: address, spender: contracts.providerRegistry, amount: parsed.data }, track);
      const { request } = await simulateContract(config, {
        address: contracts.providerRegistry,
        abi: providerRegistryAbi,
        functionName: "addStake",
        args: [parsed.data],
        account: address,
      });
      await track(await writeContract(config, request));
      void refetch();
      router.refresh();
      return txDone.staked(parsed.data);
    });
  };

  return (
    <section className="card space-y-3" aria-label="Stake">
      <h2 className="font-semibold">Stake</h2>
      <dl className="grid grid-cols-2 gap-2 text-sm">
        <dt className="text-slate-400">Staked</dt>
        <dd className="text-right tabular-nums" data-testid="provider-stake">
          {formatToken(provider.stake)}
        </dd>
        <dt className="text-slate-400">Unstaking</dt>
        <dd className="text-right tabular-nums">{formatToken(pending)}</dd>
        <dt className="text-slate-400">Cooldown</dt>
        <dd className="text-right">{cooldown !== undefined ? formatDuration(Number(cooldown)) : "—"}</dd>
        {pending > 0n && (
          <>
            <dt className="text-slate-400">Withdrawable</dt>
            <dd className="text-right" data-testid="unstake-countdown">
              {waiting ? `in ${formatDuration(Math.max(0, availableAt - now))} (${formatDate(availableAt)})` : "now"}
            </dd>
          </>
        )}
      </dl>
      <div className="flex flex-wrap gap-2">
        <input
          aria-label="Stake amount (USDC)"
          className="input w-28"
          inputMode="decimal"
          placeholder="USDC"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => submit("requestUnstake")}>
          Request unstake
        </button>
        <button type="button" className="btn-ghost" disabled={action.busy} onClick={() => submit("addStake")}>
          Add stake
        </button>
        <button
          type="button"
          className="btn-primary"
          disabled={action.busy || pending === 0n || waiting}
          onClick={() =>
            action.send(
              { address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "withdrawStake", args: [] },
              txDone.stakeWithdrawn(pending),
            )
          }
        >
          Withdraw
        </button>
        {pending > 0n && (
          <button
            type="button"
            className="btn-ghost"
            disabled={action.busy}
            onClick={() => action.send({ address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "cancelUnstake", args: [] })}
          >
            Cancel unstake
          </button>
        )}
      </div>
      {error && <p className="field-error">{error}</p>}
      <TxStatus state={action.state} />
    </section>
  );
}
