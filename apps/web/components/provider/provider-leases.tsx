"use client";
import { useRouter } from "next/navigation";
import { parseEventLogs } from "viem";
import { useReadContract } from "wagmi";
import { useContracts } from "@/lib/app-config";
import { CLOSE_REASON_TEXT, LEASE_STATUS_TEXT, leaseEscrowAbi } from "@/lib/contracts";
import { formatDuration, formatToken, shortAddress } from "@/lib/format";
import type { LeaseView } from "@/lib/lease-view";
import { useChainNow } from "@/lib/use-now";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

function ProviderLease({ lease }: { lease: LeaseView }) {
  const contracts = useContracts();
  const router = useRouter();
  const now = useChainNow();
  const open = lease.status === "Active" || lease.status === "Disputed" || lease.status === "Suspended";
  const { data: claimable, refetch } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "claimable",
    args: [BigInt(lease.leaseId)],
    query: { enabled: open, refetchInterval: 5_000 },
  });
  const claim = useContractAction(`Claim lease #${lease.leaseId}`, () => {
    void refetch();
    router.refresh();
  });
  return (
    <tr className="border-t border-slate-800 align-top" data-testid="provider-lease" data-lease-id={lease.leaseId} data-status={lease.status}>
      <td className="py-2">#{lease.leaseId}</td>
      <td className="py-2">
        {lease.gpus}× {lease.gpuLabel.replace("NVIDIA ", "")}
        <div className="text-xs text-slate-500">renter {shortAddress(lease.renter)}</div>
      </td>
      <td className="py-2">
        <span className="badge">{LEASE_STATUS_TEXT[lease.status] ?? lease.status}</span>
        {lease.closeReason && <div className="mt-1 text-xs text-slate-400">{CLOSE_REASON_TEXT[lease.closeReason] ?? lease.closeReason}</div>}
      </td>
      <td className="py-2 text-right tabular-nums">{lease.status === "Active" && lease.endsAt ? formatDuration(lease.endsAt - now) : "—"}</td>
      <td className="py-2 text-right tabular-nums">
        {lease.providerTotal !== null ? formatToken(lease.providerTotal) : claimable !== undefined ? `${formatToken(claimable)} claimable` : "—"}
      </td>
      <td className="py-2 text-right">
        {open && (
          <button
            type="button"
            className="btn-secondary"
            disabled={claim.busy || !claimable}
            onClick={() =>
              claim.send({ address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "claim", args: [BigInt(lease.leaseId)] }, (receipt) => {
                // A claim after the end closes the lease instead of emitting EarningsClaimed.
                const [claimed] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "EarningsClaimed", logs: receipt.logs });
                return txDone.claimed(lease.leaseId, claimed ? claimed.args.gross - claimed.args.fee : null);
              })
            }
          >
            Claim
          </button>
        )}
        <TxStatus state={claim.state} />
      </td>
    </tr>
  );
}

export function ProviderLeases({ leases }: { leases: LeaseView[] }) {
  if (leases.length === 0) return <p className="text-sm text-slate-400">No leases yet.</p>;
  return (
    <div className="card overflow-x-auto">
      <table className="w-full min-w-[40rem] text-sm">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1">Lease</th>
            <th>GPUs</th>
            <th>Status</th>
            <th className="text-right">Time left</th>
            <th className="text-right">Earned (net)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {leases.map((l) => (
            <ProviderLease key={l.leaseId} lease={l} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
