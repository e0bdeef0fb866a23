"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { keccak256, parseEventLogs, stringToHex, type TransactionReceipt } from "viem";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { z } from "zod";
import { useContracts } from "@/lib/app-config";
import { leaseEscrowAbi, providerRegistryAbi } from "@/lib/contracts";
import { formatToken } from "@/lib/format";
import { cancelRefund, renterReceived } from "@/lib/lease-money";
import { txDone } from "@/lib/tx-messages";
import { useChainNow } from "@/lib/use-now";
import type { LeaseView } from "@/lib/lease-view";
import { ensureAllowance } from "@/lib/permit";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";

const extraHoursSchema = z.coerce.number().int("Whole hours only").min(1, "Add at least 1 hour").max(8_760, "At most 8760 hours at once");
const evidenceSchema = z.string().trim().min(10, "Describe what went wrong (at least 10 characters)").max(2_000, "Keep the evidence under 2000 characters");

/** A cancel is mined a few seconds after the click; the preview counts them so it does not over-promise. */
const MINING_ALLOWANCE_SECONDS = 15;

/** What the renter got from a close, read from the receipt: the refund plus any stake slashed to them. */
function receivedFrom(receipt: TransactionReceipt, renter: string): bigint {
  const [closed] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseClosed", logs: receipt.logs });
  const slashes = parseEventLogs({ abi: providerRegistryAbi, eventName: "ProviderSlashed", logs: receipt.logs }).map((l) => l.args);
  return renterReceived(closed?.args.renterRefund ?? 0n, slashes, renter);
}

/**
 * Extend, cancel (after a confirmation that shows the refund) and dispute for an active lease;
 * withdraw for a pending booking, and reclaim with the provider's penalty once its accept window closed.
 */
export function LeaseActions({ lease, canReclaim }: { lease: LeaseView; canReclaim: boolean }) {
  const contracts = useContracts();
  const config = useConfig();
  const router = useRouter();
  const { address } = useAccount();
  const id = BigInt(lease.leaseId);
  const action = useContractAction(`Lease #${lease.leaseId}`, () => router.refresh());
  const [hours, setHours] = useState("1");
  const [evidence, setEvidence] = useState("");
  const [mode, setMode] = useState<"none" | "extend" | "dispute" | "cancel">("none");
  const now = useChainNow();
  // Contracts v2: the no-show slash is per lease (a share of its deposit, capped, none below a minimum deposit).
  const { data: penalty } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "noShowSlash",
    args: [id],
    query: { enabled: lease.status === "Pending" },
  });
  const refund = cancelRefund(lease, now + MINING_ALLOWANCE_SECONDS);
  const [error, setError] = useState<string | null>(null);
  // Contracts v2: an extension is bought at the offer's current price (and only while it is on sale);
  // the dispute bond is a share of the deposit fixed when the lease was booked.
  const active = lease.status === "Active";
  const { data: offer } = useReadContract({
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "getOffer",
    args: [BigInt(lease.offerId)],
    query: { enabled: active },
  });
  const { data: terms } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "leaseTerms",
    args: [id],
    query: { enabled: active },
  });
  const currentPrice = offer?.spec.pricePerGpuHour ?? BigInt(lease.pricePerGpuHour);
  const bond = terms ? (BigInt(lease.deposit) * BigInt(terms.disputeBondBps)) / 10_000n : 0n;
  const extraCost = (() => {
    const parsed = extraHoursSchema.safeParse(hours);
    return parsed.success ? BigInt(lease.gpus) * currentPrice * BigInt(parsed.data) : 0n;
  })();

  const extend = () => {
    const parsed = extraHoursSchema.safeParse(hours);
    if (!parsed.success) return setError(parsed.error.issues[0]!.message);
    setError(null);
    return action.run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      await ensureAllowance(config, { token: contracts.token, owner: address, spender: contracts.leaseEscrow, amount: extraCost }, track);
      const { request } = await simulateContract(config, {
        address: contracts.leaseEscrow,
        abi: leaseEscrowAbi,
        functionName: "extend",
        args: [id, parsed.data, currentPrice],
        account: address,
      });
      const receipt = await track(await writeContract(config, request));
      router.refresh();
      // The amount the escrow actually pulled, from its event, rather than the estimate shown before.
      const [extended] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseExtended", logs: receipt.logs });
      return txDone.extended(lease.leaseId, parsed.data, extended?.args.extraDeposit ?? extraCost);
    });
  };
  const cancel = () =>
    action.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "cancel", args: [id] }, (receipt) =>
      (lease.status === "Pending" ? txDone.withdrawn : txDone.cancelled)(lease.leaseId, receivedFrom(receipt, lease.renter)),
    );
  const dispute = () => {
    const parsed = evidenceSchema.safeParse(evidence);
    if (!parsed.success) return setError(parsed.error.issues[0]!.message);
    setError(null);
    // The hash commits to the exact text; the URI carries it so arbiters can read it without another service.
    const evidenceUri = `data:text/plain;charset=utf-8,${encodeURIComponent(parsed.data)}`;
    return action.run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      if (bond > 0n) await ensureAllowance(config, { token: contracts.token, owner: address, spender: contracts.leaseEscrow, amount: bond }, track);
      const { request } = await simulateContract(config, {
        address: contracts.leaseEscrow,
        abi: leaseEscrowAbi,
        functionName: "openDispute",
        args: [id, keccak256(stringToHex(parsed.data)), evidenceUri],
        account: address,
      });
      await track(await writeContract(config, request));
      router.refresh();
      return txDone.disputed(lease.leaseId);
    });
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {lease.status === "Active" && (
          <>
            <button type="button" className="btn-secondary" onClick={() => setMode(mode === "extend" ? "none" : "extend")}>
              Extend
            </button>
            <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => setMode(mode === "cancel" ? "none" : "cancel")}>
              Cancel and refund the rest
            </button>
            <button type="button" className="btn-ghost text-amber-300" onClick={() => setMode(mode === "dispute" ? "none" : "dispute")}>
              Open a dispute
            </button>
          </>
        )}
        {lease.status === "Pending" && !canReclaim && (
          <button type="button" className="btn-secondary" disabled={action.busy} onClick={cancel}>
            Withdraw booking
          </button>
        )}
        {lease.status === "Pending" && canReclaim && (
          <button
            type="button"
            className="btn-primary"
            disabled={action.busy}
            onClick={() =>
              action.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "reclaim", args: [id] }, (receipt) =>
                txDone.reclaimed(lease.leaseId, receivedFrom(receipt, lease.renter)),
              )
            }
          >
            Reclaim deposit
          </button>
        )}
      </div>
      {lease.status === "Pending" && (
        <p className="text-xs text-slate-400" data-testid="pending-explainer">
          {canReclaim
            ? `Reclaiming returns your deposit of ${formatToken(lease.deposit)}${penalty ? ` plus up to ${formatToken(penalty)} from the provider's stake for missing the window` : ""}.`
            : `Withdrawing now returns the whole deposit of ${formatToken(lease.deposit)} and nothing is charged. If you wait and the provider does not accept in time, you can reclaim it${penalty ? ` with up to ${formatToken(penalty)} from the provider's stake` : ""}.`}
        </p>
      )}
      {mode === "cancel" && lease.status === "Active" && (
        // biome-ignore lint/a11y/useSemanticElements: a <fieldset> would bring its own border and padding; the group has no form fields to name
        <div className="space-y-2 rounded-lg border border-slate-700 p-3" role="group" aria-label="Confirm cancellation" data-testid="cancel-confirm">
          <p className="text-sm">
            Cancel lease #{lease.leaseId} now? You get back about{" "}
            <strong data-testid="refund-preview" data-raw={refund.toString()}>
              {formatToken(refund)}
            </strong>
            ; {formatToken(BigInt(lease.deposit) - refund)} pays the provider for the time used. The machine is released and the access details stop working.
          </p>
          <div className="flex flex-wrap gap-2">
            <button type="button" className="btn-danger" disabled={action.busy} onClick={cancel}>
              Yes, cancel and refund
            </button>
            <button type="button" className="btn-ghost" onClick={() => setMode("none")}>
              Keep the lease
            </button>
          </div>
        </div>
      )}
      {mode === "extend" && lease.status === "Active" && (
        <div className="flex flex-wrap items-center gap-2">
          <input aria-label="Extra hours" type="number" min={1} className="input w-24" value={hours} onChange={(e) => setHours(e.target.value)} />
          <span className="text-sm text-slate-400">hours for {formatToken(extraCost)} at today&apos;s price</span>
          <button type="button" className="btn-primary" disabled={action.busy} onClick={extend}>
            Pay and extend
          </button>
        </div>
      )}
      {mode === "dispute" && lease.status === "Active" && (
        <div className="space-y-2">
          <textarea
            aria-label="Evidence"
            className="input h-24 w-full"
            placeholder="What went wrong, with times and what you tried."
            value={evidence}
            onChange={(e) => setEvidence(e.target.value)}
          />
          <button type="button" className="btn-danger" disabled={action.busy} onClick={dispute}>
            Submit dispute
          </button>
          <p className="text-xs text-slate-500">
            Billing freezes when the dispute opens; an arbiter decides how the rest of the deposit is split. Opening it holds a bond of {formatToken(bond)},
            returned if the arbiter agrees with you.
          </p>
        </div>
      )}
      {error && <p className="field-error">{error}</p>}
      <TxStatus state={action.state} />
    </div>
  );
}
