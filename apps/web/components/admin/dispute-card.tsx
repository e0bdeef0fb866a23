"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatUnits } from "viem";
import { useReadContract } from "wagmi";
import { useContracts } from "@/lib/app-config";
import { usdcInput } from "@/lib/amounts";
import { leaseEscrowAbi, providerRegistryAbi } from "@/lib/contracts";
import { formatToken, shortAddress } from "@/lib/format";
import { disputePayouts } from "@/lib/lease-money";
import type { DisputeCase } from "@/lib/server/disputes";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

function evidenceText(uri: string): string {
  const prefix = "data:text/plain;charset=utf-8,";
  if (uri.startsWith(prefix)) {
    try {
      return decodeURIComponent(uri.slice(prefix.length));
    } catch {
      return uri;
    }
  }
  return uri;
}

function describeEvent(event: DisputeCase["history"][number]): string {
  const a = event.args as Record<string, string>;
  switch (event.name) {
    case "LeaseBooked":
      return `Booked ${a.gpus} GPU(s) for ${a.durationHours ?? a.hours} h, deposit ${formatToken(a.deposit ?? 0)}`;
    case "LeaseAccepted":
      return "Accepted by the provider; billing started";
    case "LeaseExtended":
      return `Extended by ${a.extraHours} h (+${formatToken(a.extraDeposit ?? 0)})`;
    case "EarningsClaimed":
      return `Provider claimed ${formatToken(a.gross ?? 0)} gross`;
    case "DisputeOpened":
      return "Dispute opened by the renter; billing frozen";
    case "DisputeResolved":
      return `Resolved: renter ${formatToken(a.renterAmount ?? 0)}, provider ${formatToken(a.providerAmount ?? 0)}, slash ${formatToken(a.slashAmount ?? 0)}`;
    case "LeaseClosed":
      return `Closed (${a.reason})`;
    default:
      return event.name;
  }
}

export function DisputeCard({ item, decided = false }: { item: DisputeCase; decided?: boolean }) {
  const contracts = useContracts();
  const queryClient = useQueryClient();
  const { lease } = item;
  const id = BigInt(lease.leaseId);
  const { data: onChain } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "getLease",
    args: [id],
    query: { enabled: !decided },
  });
  const remaining = onChain ? onChain.deposit - onChain.paidGross : null;
  // The slash comes out of the provider's stake and is capped by it; read it to show what the renter really gets.
  const { data: providerRow } = useReadContract({
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [lease.provider],
    query: { enabled: !decided },
  });
  const [renterShare, setRenterShare] = useState("");
  const [slash, setSlash] = useState("0");
  // Contracts v2: the renter's dispute bond goes back to the renter when the arbiter agrees, else to the provider.
  const [renterRight, setRenterRight] = useState(true);
  const { data: bond } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "disputeBond",
    args: [id],
    query: { enabled: !decided },
  });
  const [error, setError] = useState<string | null>(null);
  const resolve = useContractAction(`Resolve dispute on lease #${lease.leaseId}`, () => void queryClient.invalidateQueries({ queryKey: ["disputes"] }));

  const renterAmount = usdcInput("Renter amount").safeParse(renterShare || "0");
  const providerAmount = remaining !== null && renterAmount.success ? remaining - renterAmount.data : null;
  const slashInput = usdcInput("Slash").safeParse(slash || "0");
  const payouts =
    onChain && renterAmount.success && slashInput.success && providerAmount !== null && providerAmount >= 0n
      ? disputePayouts({
          paidGross: onChain.paidGross,
          renterAmount: renterAmount.data,
          providerAmount,
          slash: slashInput.data,
          providerStake: providerRow?.stake ?? null,
          feeBps: onChain.feeBps,
          bond: bond ?? 0n,
          renterRight,
        })
      : null;

  const submit = () => {
    const slashAmount = usdcInput("Slash").safeParse(slash || "0");
    if (!renterAmount.success) return setError(renterAmount.error.issues[0]!.message);
    if (!slashAmount.success) return setError(slashAmount.error.issues[0]!.message);
    if (remaining === null || providerAmount === null) return setError("Still reading the lease from the chain.");
    if (providerAmount < 0n) return setError(`The renter can get at most ${formatToken(remaining)}.`);
    setError(null);
    return resolve.send(
      {
        address: contracts.leaseEscrow,
        abi: leaseEscrowAbi,
        functionName: "resolveDispute",
        args: [id, renterAmount.data, providerAmount, slashAmount.data, renterRight],
      },
      txDone.resolved(lease.leaseId, payouts?.renter ?? renterAmount.data, payouts?.provider ?? providerAmount),
    );
  };

  return (
    <li className="card space-y-3" data-testid="dispute" data-lease-id={lease.leaseId}>
      <div className="flex flex-wrap justify-between gap-2">
        <h3 className="font-semibold">
          Lease #{lease.leaseId} · {lease.gpus}× {lease.gpuLabel.replace("NVIDIA ", "")}
        </h3>
        <span className="badge">{lease.dispute?.status ?? lease.status}</span>
      </div>
      <p className="text-sm text-slate-400">
        Renter {shortAddress(lease.renter)} · provider {shortAddress(lease.provider)} · deposit {formatToken(lease.deposit)} ·{" "}
        {/* Proof of GPU evidence: the provider's signed check history (outcomes, times against deadlines). */}
        <a
          className="text-indigo-300 hover:underline"
          href={`/providers/${lease.provider}/gpu-checks`}
          target="_blank"
          rel="noreferrer"
          data-testid="provider-gpu-checks"
        >
          provider's GPU checks
        </a>
      </p>
      <blockquote className="rounded-lg border-l-4 border-amber-400/60 bg-slate-950/60 p-3 text-sm whitespace-pre-wrap" data-testid="evidence">
        {evidenceText(lease.dispute?.evidenceUri ?? "")}
      </blockquote>
      <ol className="space-y-1 text-xs text-slate-400" aria-label="Lease history">
        {item.history.map((event) => (
          <li key={`${event.txHash}-${event.name}`}>
            <span className="text-slate-500">block {event.block}</span> · {describeEvent(event)}
          </li>
        ))}
      </ol>
      {!decided && (
        <div className="space-y-2 border-t border-slate-800 pt-3">
          <p className="text-sm">
            To split: <strong data-testid="dispute-remaining">{remaining !== null ? formatToken(remaining) : "…"}</strong> (deposit minus what the provider
            already claimed)
          </p>
          {remaining !== null && (
            <input
              type="range"
              aria-label="Renter share"
              min={0}
              max={Number(remaining)}
              step={Math.max(1, Math.floor(Number(remaining) / 100))}
              value={renterAmount.success ? Number(renterAmount.data) : 0}
              onChange={(e) => setRenterShare(formatUnits(BigInt(e.target.value), 6))}
              className="w-full"
            />
          )}
          <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
            <label>
              <span className="label">To the renter (USDC)</span>
              <input className="input w-full" inputMode="decimal" value={renterShare} onChange={(e) => setRenterShare(e.target.value)} placeholder="0" />
            </label>
            <div>
              <span className="label">To the provider (before fee)</span>
              <p className="py-2 text-sm tabular-nums" data-testid="provider-share">
                {providerAmount !== null && providerAmount >= 0n ? formatToken(providerAmount) : "—"}
              </p>
            </div>
            <label>
              <span className="label">Slash provider stake (USDC)</span>
              <input className="input w-full" inputMode="decimal" value={slash} onChange={(e) => setSlash(e.target.value)} />
            </label>
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={renterRight} onChange={(e) => setRenterRight(e.target.checked)} />
            The renter was right: return the dispute bond to the renter (otherwise it goes to the provider)
          </label>
          {payouts && onChain && (
            <p className="text-sm" data-testid="dispute-payouts">
              The renter receives{" "}
              <strong data-testid="renter-receives" data-raw={payouts.renter.toString()}>
                {formatToken(payouts.renter)}
              </strong>
              {payouts.slashPaid > 0n && (
                <>
                  {" "}
                  ({formatToken(payouts.renter - payouts.slashPaid - (renterRight ? payouts.bond : 0n))} of the deposit + {formatToken(payouts.slashPaid)}{" "}
                  slashed)
                </>
              )}
              {payouts.bond > 0n && (
                <>
                  {" "}
                  (the {formatToken(payouts.bond)} dispute bond goes to the {renterRight ? "renter" : "provider"})
                </>
              )}
              ; the provider receives{" "}
              <strong data-testid="provider-receives" data-raw={payouts.provider.toString()}>
                {formatToken(payouts.provider)}
              </strong>{" "}
              after the {onChain.feeBps / 100}% fee of {formatToken(payouts.fee)}.
              {slashInput.success && payouts.slashPaid < slashInput.data && (
                <span className="text-amber-300"> The provider&apos;s stake covers only {formatToken(payouts.slashPaid)} of the slash.</span>
              )}
            </p>
          )}
          <button type="button" className="btn-primary" disabled={resolve.busy} onClick={submit}>
            Resolve
          </button>
          {error && <p className="field-error">{error}</p>}
          <TxStatus state={resolve.state} />
        </div>
      )}
    </li>
  );
}
