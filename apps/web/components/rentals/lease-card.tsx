"use client";
import Link from "next/link";
import { useReadContract } from "wagmi";
import { useAppConfig, useContracts } from "@/lib/app-config";
import { CLOSE_REASON_TEXT, LEASE_STATUS_TEXT, leaseEscrowAbi } from "@/lib/contracts";
import { formatDate, formatDuration, formatToken, shortAddress } from "@/lib/format";
import { accruedAt, type LeaseView } from "@/lib/lease-view";
import { latestBlockIsPast, useChainNow, useLatestBlockTime } from "@/lib/use-now";
import { AccessDetails } from "./access-details";
import { AutoTopUp } from "./auto-top-up";
import { LeaseActions } from "./lease-actions";

/** Warn when less than this share of the paid time, or less than this many seconds, is left. */
const LOW_BALANCE_SHARE = 0.1;
const LOW_BALANCE_SECONDS = 15 * 60;

function EscrowBar({ accrued, deposit }: { accrued: bigint; deposit: bigint }) {
  const share = deposit > 0n ? Number((accrued * 10_000n) / deposit) / 100 : 0;
  return (
    <div>
      <div className="h-2 overflow-hidden rounded-full bg-slate-800" aria-hidden>
        <div className="h-full bg-indigo-400 transition-[width] duration-1000" style={{ width: `${share}%` }} />
      </div>
      <div className="mt-1 flex justify-between text-xs tabular-nums text-slate-400">
        <span data-testid="accrued">{formatToken(accrued)} accrued</span>
        <span data-testid="remaining">{formatToken(deposit - accrued)} remaining</span>
      </div>
    </div>
  );
}

export function LeaseCard({ lease }: { lease: LeaseView }) {
  const contracts = useContracts();
  const { chainId } = useAppConfig();
  const now = useChainNow();
  // Reclaim is simulated against the latest block: offer it once that block is past the deadline.
  const latestBlockTime = useLatestBlockTime(lease.status === "Pending");
  const deposit = BigInt(lease.deposit);
  // Disputed leases stop accruing at disputedAt, suspended ones (an outage report) at the report's
  // cutoff: only the chain knows either moment, so ask it.
  const frozen = lease.status === "Disputed" || lease.status === "Suspended";
  const { data: chainAccrued } = useReadContract({
    address: contracts.leaseEscrow,
    abi: leaseEscrowAbi,
    functionName: "accrued",
    args: [BigInt(lease.leaseId)],
    query: { enabled: frozen },
  });
  const accrued = frozen ? (chainAccrued ?? 0n) : accruedAt(lease, now);
  const secondsLeft = lease.endsAt ? lease.endsAt - now : 0;
  const totalSeconds = lease.hours * 3600;
  // A reclaim pays the provider's slashed stake on top of the refund; show the sum the wallet got.
  const received = BigInt(lease.renterReceived ?? lease.renterRefund ?? 0);
  const slashed = received - BigInt(lease.renterRefund ?? 0);
  const low = lease.status === "Active" && secondsLeft > 0 && (secondsLeft < LOW_BALANCE_SECONDS || secondsLeft / totalSeconds < LOW_BALANCE_SHARE);

  return (
    <li className="card space-y-3" data-testid="lease-card" data-lease-id={lease.leaseId} data-status={lease.status}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold">
          Lease #{lease.leaseId} · {lease.gpus}× {lease.gpuLabel.replace("NVIDIA ", "")}
          <Link prefetch={false} href={`/offers/${lease.offerId}`} className="ml-2 text-xs font-normal text-slate-400 hover:text-white">
            offer #{lease.offerId}
          </Link>
        </h3>
        <span className="badge" data-testid="lease-status">
          {LEASE_STATUS_TEXT[lease.status] ?? lease.status}
        </span>
      </div>
      <p className="text-sm text-slate-400">
        {lease.hours} h at {formatToken(lease.pricePerGpuHour)}/GPU·h · deposit {formatToken(deposit)} · provider {shortAddress(lease.provider)} ·{" "}
        {/* Proof of GPU evidence for a dispute: did the provider's hardware pass its checks? */}
        <Link prefetch={false} className="text-indigo-300 hover:underline" href={`/providers/${lease.provider}/gpu-checks`} data-testid="provider-gpu-checks">
          GPU checks
        </Link>
      </p>
      {lease.status === "Pending" && (
        <p className="text-sm text-amber-300">
          Waiting for the provider to accept{" "}
          {now <= lease.acceptDeadline
            ? `(${formatDuration(lease.acceptDeadline - now)} left)`
            : `— the window closed at ${formatDate(lease.acceptDeadline)}, you can reclaim the deposit`}
          .
        </p>
      )}
      {(lease.status === "Active" || frozen) && (
        <>
          {lease.status === "Active" && (
            <p className="text-sm">
              <span className="text-2xl font-semibold tabular-nums" data-testid="countdown">
                {formatDuration(Math.max(0, secondsLeft))}
              </span>
              <span className="ml-2 text-slate-400">left · ends {lease.endsAt ? formatDate(lease.endsAt) : "—"}</span>
            </p>
          )}
          <EscrowBar accrued={accrued} deposit={deposit} />
          {low && (
            <p role="alert" className="text-sm text-amber-300" data-testid="low-balance">
              Less than {formatDuration(secondsLeft)} of paid time is left. Extend to keep the machine.
            </p>
          )}
        </>
      )}
      {lease.status === "Suspended" && (
        <p className="text-sm text-amber-300" data-testid="outage-reported">
          Outage reported: billing is frozen from the provider&apos;s last sign of life (plus a short grace). If the provider does not prove it is online within
          the challenge window, the lease closes and you are refunded from then on, plus a penalty from its stake.
        </p>
      )}
      {lease.status === "Disputed" && lease.dispute && <p className="text-sm text-amber-300">Dispute open; billing is frozen until an arbiter decides.</p>}
      {lease.status === "Closed" && (
        <div className="text-sm" data-testid="close-summary">
          <p>{lease.closeReason ? (CLOSE_REASON_TEXT[lease.closeReason] ?? lease.closeReason) : "Closed."}</p>
          <p className="text-slate-400">
            You received{" "}
            <span className="font-semibold text-white" data-testid="received" data-raw={received.toString()}>
              {formatToken(received)}
            </span>
            {slashed > 0n && (
              <span data-testid="received-breakdown">
                {" "}
                ({formatToken(lease.renterRefund ?? 0)} deposit back + {formatToken(slashed)} from the provider&apos;s stake)
              </span>
            )}{" "}
            · paid to the provider {formatToken(lease.providerTotal ?? 0)} · fee {formatToken(lease.feeTotal ?? 0)}
          </p>
        </div>
      )}
      {/* Only while the machine is the renter's: after close the provider has deprovisioned it. */}
      {lease.encryptedAccess && (lease.status === "Active" || frozen) && (
        <AccessDetails
          sealed={lease.encryptedAccess}
          context={{ kind: "access", chainId, escrow: contracts.leaseEscrow, leaseId: BigInt(lease.leaseId), renter: lease.renter }}
        />
      )}
      {(lease.status === "Active" || lease.status === "Pending") && (
        <LeaseActions lease={lease} canReclaim={latestBlockIsPast(latestBlockTime, lease.acceptDeadline)} />
      )}
      {(lease.status === "Active" || lease.status === "Pending") && <AutoTopUp lease={lease} />}
    </li>
  );
}
