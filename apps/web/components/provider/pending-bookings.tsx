"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { bytesToHex } from "viem";
import { z } from "zod";
import { openJson, sealJson, type LeaseRequestPayload } from "@gridlease/sdk/crypto";
import { useAppConfig, useContracts } from "@/lib/app-config";
import { leaseEscrowAbi } from "@/lib/contracts";
import { formatDuration, formatToken, shortAddress } from "@/lib/format";
import type { LeaseView } from "@/lib/lease-view";
import { useRenterKey } from "@/lib/renter-key";
import { useChainNow } from "@/lib/use-now";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

const accessSchema = z.object({
  host: z.string().trim().min(1, "Host is required").max(253, "Host is too long"),
  port: z.coerce.number({ error: "Port must be a number" }).int().min(1, "Port must be 1–65535").max(65_535, "Port must be 1–65535"),
  user: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "User: a Unix user name like ubuntu"),
  notes: z.string().max(1_000, "Keep notes under 1000 characters").optional(),
});

function PendingBooking({ lease, registeredKey }: { lease: LeaseView; registeredKey: string }) {
  const contracts = useContracts();
  const { chainId } = useAppConfig();
  const router = useRouter();
  const now = useChainNow();
  const { derive } = useRenterKey();
  const accept = useContractAction(`Accept lease #${lease.leaseId}`, () => router.refresh());
  const decline = useContractAction(`Decline lease #${lease.leaseId}`, () => router.refresh());
  const [request, setRequest] = useState<LeaseRequestPayload | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const form = useForm<z.input<typeof accessSchema>, unknown, z.output<typeof accessSchema>>({
    resolver: zodResolver(accessSchema),
    defaultValues: { host: "", port: 22, user: "ubuntu", notes: "" },
  });
  const { errors } = form.formState;

  async function openRequest() {
    setProblem(null);
    try {
      const key = await derive();
      if (bytesToHex(key.publicKey).toLowerCase() !== registeredKey.toLowerCase()) {
        setProblem("Your registered encryption key is not this wallet's key, so the request can only be opened by your provider agent.");
        return;
      }
      setRequest(
        openJson<LeaseRequestPayload>(key, lease.encryptedRequest, {
          kind: "request",
          chainId,
          escrow: contracts.leaseEscrow,
          offerId: BigInt(lease.offerId),
          renter: lease.renter,
        }),
      );
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  const submit = form.handleSubmit((access) => {
    if (!request) return;
    // Only the renter can open this: it is sealed to the key they sent inside their request.
    const sealed = sealJson(
      request.renterEncryptionKey,
      { ...access, sshPublicKey: request.sshPublicKey },
      { kind: "access", chainId, escrow: contracts.leaseEscrow, leaseId: BigInt(lease.leaseId), renter: lease.renter },
    );
    return accept.send(
      { address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "accept", args: [BigInt(lease.leaseId), sealed] },
      txDone.accepted(lease.leaseId),
    );
  });

  const left = lease.acceptDeadline - now;
  return (
    <li className="card space-y-3" data-testid="pending-booking" data-lease-id={lease.leaseId}>
      <div className="flex flex-wrap justify-between gap-2">
        <h3 className="font-semibold">
          Lease #{lease.leaseId} · {lease.gpus}× {lease.gpuLabel.replace("NVIDIA ", "")} for {lease.hours} h
        </h3>
        <span className={left > 60 ? "text-sm text-amber-300" : "text-sm text-rose-400"}>
          {left > 0 ? `accept within ${formatDuration(left)}` : "accept window closed"}
        </span>
      </div>
      <p className="text-sm text-slate-400">
        Renter {shortAddress(lease.renter)} · deposit {formatToken(lease.deposit)}
      </p>
      {!request ? (
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn-primary" onClick={openRequest}>
            Open request
          </button>
          <button
            type="button"
            className="btn-ghost text-rose-300"
            disabled={decline.busy}
            onClick={() =>
              decline.send(
                { address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "decline", args: [BigInt(lease.leaseId)] },
                txDone.declined(lease.leaseId),
              )
            }
          >
            Decline
          </button>
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-3" aria-label={`Accept lease ${lease.leaseId}`} noValidate>
          <div className="rounded-lg bg-slate-950/60 p-3 text-xs">
            <p className="label">Renter&apos;s SSH key</p>
            <code className="break-all" data-testid="request-ssh-key">
              {request.sshPublicKey}
            </code>
            {request.note && <p className="mt-2 text-slate-300">Note: {request.note}</p>}
          </div>
          <div className="grid grid-cols-3 gap-2">
            <label className="col-span-2">
              <span className="label">Host</span>
              <input className="input w-full" placeholder="203.0.113.7" {...form.register("host")} />
            </label>
            <label>
              <span className="label">Port</span>
              <input type="number" className="input w-full" {...form.register("port")} />
            </label>
            <label className="col-span-3">
              <span className="label">User</span>
              <input className="input w-full" {...form.register("user")} />
            </label>
            <label className="col-span-3">
              <span className="label">Notes for the renter</span>
              <input className="input w-full" {...form.register("notes")} />
            </label>
          </div>
          {[errors.host, errors.port, errors.user, errors.notes].filter(Boolean).map((e) => (
            <p key={e!.message} className="field-error">
              {e!.message}
            </p>
          ))}
          <button type="submit" className="btn-primary" disabled={accept.busy}>
            Accept and send access details
          </button>
        </form>
      )}
      {problem && <p className="field-error">{problem}</p>}
      <TxStatus state={accept.state.phase !== "idle" ? accept.state : decline.state} />
    </li>
  );
}

export function PendingBookings({ leases, registeredKey }: { leases: LeaseView[]; registeredKey: string }) {
  if (leases.length === 0) return <p className="text-sm text-slate-400">No bookings are waiting for you.</p>;
  return (
    <ul className="grid gap-3 md:grid-cols-2">
      {leases.map((l) => (
        <PendingBooking key={l.leaseId} lease={l} registeredKey={registeredKey} />
      ))}
    </ul>
  );
}
