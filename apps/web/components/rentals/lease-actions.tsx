"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { keccak256, stringToHex } from "viem";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { z } from "zod";
import { useContracts } from "@/lib/app-config";
import { leaseEscrowAbi, providerRegistryAbi } from "@/lib/contracts";
import { formatToken } from "@/lib/format";
import type { LeaseView } from "@/lib/lease-view";
import { ensureAllowance } from "@/lib/permit";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";

const extraHoursSchema = z.coerce.number().int("Whole hours only").min(1, "Add at least 1 hour").max(8_760, "At most 8760 hours at once");
const evidenceSchema = z.string().trim().min(10, "Describe what went wrong (at least 10 characters)").max(2_000, "Keep the evidence under 2000 characters");

/** Extend, cancel and dispute for an active lease; reclaim for a pending one past its accept window. */
export function LeaseActions({ lease, canReclaim }: { lease: LeaseView; canReclaim: boolean }) {
  const contracts = useContracts();
  const config = useConfig();
  const router = useRouter();
  const { address } = useAccount();
  const id = BigInt(lease.leaseId);
  const action = useContractAction(`Lease #${lease.leaseId}`, () => router.refresh());
  const [hours, setHours] = useState("1");
  const [evidence, setEvidence] = useState("");
  const [mode, setMode] = useState<"none" | "extend" | "dispute">("none");
  const [error, setError] = useState<string | null>(null);
  // Contracts v2: an extension is bought at the offer's current price (and only while it is on sale);
  // the dispute bond is a share of the deposit fixed when the lease was booked.
  const active = lease.status === "Active";
  const { data: offer } = useReadContract({ address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "getOffer", args: [BigInt(lease.offerId)], query: { enabled: active } });
  const { data: terms } = useReadContract({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "leaseTerms", args: [id], query: { enabled: active } });
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
      const { request } = await simulateContract(config, { address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "extend", args: [id, parsed.data, currentPrice], account: address });
      await track(await writeContract(config, request));
      router.refresh();
    });
  };
  const dispute = () => {
    const parsed = evidenceSchema.safeParse(evidence);
    if (!parsed.success) return setError(parsed.error.issues[0]!.message);
    setError(null);
    // The hash commits to the exact text; the URI carries it so arbiters can read it without another service.
    const evidenceUri = `data:text/plain;charset=utf-8,${encodeURIComponent(parsed.data)}`;
    return action.run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      if (bond > 0n) await ensureAllowance(config, { token: contracts.token, owner: address, spender: contracts.leaseEscrow, amount: bond }, track);
      const { request } = await simulateContract(config, { address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "openDispute", args: [id, keccak256(stringToHex(parsed.data)), evidenceUri], account: address });
      await track(await writeContract(config, request));
      router.refresh();
    });
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {lease.status === "Active" && (
          <>
            <button type="button" className="btn-secondary" onClick={() => setMode(mode === "extend" ? "none" : "extend")}>Extend</button>
            <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => action.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "cancel", args: [id] })}>
              Cancel and refund the rest
            </button>
            <button type="button" className="btn-ghost text-amber-300" onClick={() => setMode(mode === "dispute" ? "none" : "dispute")}>Open a dispute</button>
          </>
        )}
        {lease.status === "Pending" && !canReclaim && (
          <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => action.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "cancel", args: [id] })}>
            Withdraw booking
          </button>
        )}
        {lease.status === "Pending" && canReclaim && (
          <button type="button" className="btn-primary" disabled={action.busy} onClick={() => action.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "reclaim", args: [id] })}>
            Reclaim deposit
          </button>
        )}
      </div>
      {mode === "extend" && lease.status === "Active" && (
        <div className="flex flex-wrap items-center gap-2">
          <input aria-label="Extra hours" type="number" min={1} className="input w-24" value={hours} onChange={(e) => setHours(e.target.value)} />
          <span className="text-sm text-slate-400">hours for {formatToken(extraCost)} at today&apos;s price</span>
          <button type="button" className="btn-primary" disabled={action.busy} onClick={extend}>Pay and extend</button>
        </div>
      )}
      {mode === "dispute" && lease.status === "Active" && (
        <div className="space-y-2">
          <textarea aria-label="Evidence" className="input h-24 w-full" placeholder="What went wrong, with times and what you tried." value={evidence} onChange={(e) => setEvidence(e.target.value)} />
          <button type="button" className="btn-danger" disabled={action.busy} onClick={dispute}>Submit dispute</button>
          <p className="text-xs text-slate-500">
            Billing freezes when the dispute opens; an arbiter decides how the rest of the deposit is split. Opening it holds a bond of {formatToken(bond)}, returned if the arbiter agrees with you.
          </p>
        </div>
      )}
      {error && <p className="field-error">{error}</p>}
      <TxStatus state={action.state} />
    </div>
  );
}
