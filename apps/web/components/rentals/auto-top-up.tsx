"use client";
import { useState } from "react";
import type { Address } from "viem";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { leaseTopUpsAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { useContracts } from "@/lib/app-config";
import { policyFormSchema, toPolicyParams } from "@/lib/auto-top-up";
import { formatDuration, formatToken, TOKEN_DECIMALS } from "@/lib/format";
import type { LeaseView } from "@/lib/lease-view";
import { ensureAllowance } from "@/lib/permit";
import { useContractAction } from "@/lib/use-contract-action";
import { TxStatus } from "@/lib/use-transaction";

/**
 * Auto top-up of one lease (LeaseTopUps): the renter sets the policy (keep at least N hours left, spend
 * at most X in total, never above price P), approves LeaseTopUps for the cap, and may revoke it. A
 * keeper (the notifier's, or anyone's) then extends the lease within exactly those limits.
 */
export function AutoTopUp({ lease }: { lease: LeaseView }) {
  const contracts = useContracts();
  const topUps = contracts.leaseTopUps;
  if (!topUps) return null;
  return <AutoTopUpPanel lease={lease} topUps={topUps} />;
}

function AutoTopUpPanel({ lease, topUps }: { lease: LeaseView; topUps: Address }) {
  const contracts = useContracts();
  const config = useConfig();
  const { address } = useAccount();
  const id = BigInt(lease.leaseId);
  const mine = address?.toLowerCase() === lease.renter.toLowerCase();
  const { data: policy, refetch: refetchPolicy } = useReadContract({ address: topUps, abi: leaseTopUpsAbi, functionName: "policyOf", args: [id] });
  const { data: allowance, refetch: refetchAllowance } = useReadContract({
    address: contracts.token,
    abi: mockUsdcAbi,
    functionName: "allowance",
    args: [address ?? (lease.renter as Address), topUps],
    query: { enabled: mine },
  });
  const { data: offer } = useReadContract({
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "getOffer",
    args: [BigInt(lease.offerId)],
  });
  const refresh = () => {
    void refetchPolicy();
    void refetchAllowance();
  };
  const action = useContractAction(`Lease #${lease.leaseId} auto top-up`, refresh);
  const [open, setOpen] = useState(false);
  const currentPrice = offer?.spec.pricePerGpuHour ?? BigInt(lease.pricePerGpuHour);
  const [form, setForm] = useState({ keepHours: "2", cap: "50", maxPrice: (Number(currentPrice) / 10 ** TOKEN_DECIMALS).toString(), maxHoursPerTopUp: "0" });
  const [error, setError] = useState<string | null>(null);
  const enabled = !!policy && policy.minSecondsLeft > 0;
  const spent = policy?.spent ?? 0n;

  const save = () => {
    const parsed = policyFormSchema.safeParse(form);
    if (!parsed.success) return setError(parsed.error.issues[0]!.message);
    setError(null);
    const params = toPolicyParams(parsed.data);
    const cap = params.maxTotalSpend;
    return action.run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      // Simulate the policy first (a refusal reads as a sentence before any wallet prompt) ...
      const { request } = await simulateContract(config, {
        address: topUps,
        abi: leaseTopUpsAbi,
        functionName: "setPolicy",
        args: [id, params],
        account: address,
      });
      // ... then let LeaseTopUps spend what the cap still allows (the cap counts what was already spent).
      const stillAllowed = cap > spent ? cap - spent : 0n;
      await ensureAllowance(config, { token: contracts.token, owner: address, spender: topUps, amount: stillAllowed }, track);
      await track(await writeContract(config, request));
      refresh();
      setOpen(false);
      return `Auto top-up on for lease #${lease.leaseId}: at least ${formatDuration(params.minSecondsLeft)} left, at most ${formatToken(cap)} in total`;
    });
  };
  const revoke = () =>
    action.send({ address: topUps, abi: leaseTopUpsAbi, functionName: "revoke", args: [id] }, `Auto top-up of lease #${lease.leaseId} revoked`);

  const needed = policy ? (policy.maxTotalSpend > spent ? policy.maxTotalSpend - spent : 0n) : 0n;
  return (
    <div className="space-y-2 rounded-lg border border-slate-800 p-3" data-testid="auto-top-up">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h4 className="text-sm font-semibold">Auto top-up</h4>
        {enabled ? (
          <span className="badge" data-testid="auto-top-up-state">
            on
          </span>
        ) : (
          <span className="badge" data-testid="auto-top-up-state">
            off
          </span>
        )}
      </div>
      {enabled && policy && (
        <p className="text-sm text-slate-300" data-testid="auto-top-up-policy">
          Keeps at least {formatDuration(policy.minSecondsLeft)} left, spends at most {formatToken(policy.maxTotalSpend)} in total
          {policy.maxHoursPerTopUp > 0 ? `, ${policy.maxHoursPerTopUp} h per top-up at most` : ""}, never above {formatToken(policy.maxPricePerGpuHour)}/GPU·h.
        </p>
      )}
      <p className="text-xs text-slate-400" data-testid="auto-top-up-spent" data-raw={spent.toString()}>
        Spent by auto top-up so far: {formatToken(spent)}
        {enabled && mine && allowance !== undefined && allowance < needed && (
          <span className="text-amber-300">
            {" "}
            · approval covers only {formatToken(allowance)} of the {formatToken(needed)} the cap still allows; top-ups beyond it will be refused
          </span>
        )}
      </p>
      {mine && (
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn-secondary" onClick={() => setOpen(!open)}>
            {enabled ? "Change" : "Set up auto top-up"}
          </button>
          {enabled && (
            <button type="button" className="btn-ghost text-amber-300" disabled={action.busy} onClick={revoke}>
              Revoke
            </button>
          )}
        </div>
      )}
      {open && mine && (
        <form
          className="grid gap-2 sm:grid-cols-2"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          aria-label="Auto top-up policy"
        >
          <label className="text-xs text-slate-400">
            Keep at least (hours left)
            <input className="input w-full" inputMode="decimal" value={form.keepHours} onChange={(e) => setForm({ ...form, keepHours: e.target.value })} />
          </label>
          <label className="text-xs text-slate-400">
            Spend at most in total (USDC)
            <input className="input w-full" inputMode="decimal" value={form.cap} onChange={(e) => setForm({ ...form, cap: e.target.value })} />
          </label>
          <label className="text-xs text-slate-400">
            Never above (USDC per GPU-hour; now {formatToken(currentPrice)})
            <input className="input w-full" inputMode="decimal" value={form.maxPrice} onChange={(e) => setForm({ ...form, maxPrice: e.target.value })} />
          </label>
          <label className="text-xs text-slate-400">
            Hours per top-up at most (0: as needed)
            <input
              className="input w-full"
              inputMode="numeric"
              value={form.maxHoursPerTopUp}
              onChange={(e) => setForm({ ...form, maxHoursPerTopUp: e.target.value })}
            />
          </label>
          <p className="text-xs text-slate-500 sm:col-span-2">
            Saving asks your wallet to let LeaseTopUps spend up to the cap. Anyone may trigger a top-up, but only within these limits; the money only ever
            extends this lease.
          </p>
          <button type="submit" className="btn-primary sm:col-span-2" disabled={action.busy}>
            Save and approve
          </button>
        </form>
      )}
      {error && <p className="field-error">{error}</p>}
      <TxStatus state={action.state} />
    </div>
  );
}
