"use client";
import type { Address } from "viem";
import { useAccount, useReadContract } from "wagmi";
import { leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { useContracts } from "@/lib/app-config";
import { shortAddress } from "@/lib/format";
import { useContractAction } from "@/lib/use-contract-action";
import { TxStatus } from "@/lib/use-transaction";

/**
 * The renter's opt-in for the Gridlease watcher (apps/watcher, docs/protocol.md "Liveness"): approving its
 * address with LeaseLiveness.approveReporter lets it report a dark provider's outage on all of the renter's
 * leases (it pays the bond itself), so billing stops within minutes without the renter keeping a tab open.
 * Hidden where the deployment has no LeaseLiveness or no watcher is configured.
 */
export function OutageWatcher({ renter }: { renter: Address }) {
  const { leaseLiveness, watcher } = useContracts();
  if (!leaseLiveness || !watcher) return null;
  return <OutageWatcherToggle renter={renter} liveness={leaseLiveness} watcher={watcher} />;
}

function OutageWatcherToggle({ renter, liveness, watcher }: { renter: Address; liveness: Address; watcher: Address }) {
  const { address } = useAccount();
  const mine = address?.toLowerCase() === renter.toLowerCase();
  const { data: approved, refetch } = useReadContract({
    address: liveness,
    abi: leaseLivenessAbi,
    functionName: "isApprovedReporter",
    args: [renter, watcher],
  });
  const action = useContractAction("Outage watcher", () => void refetch());
  const toggle = () =>
    action.send(
      { address: liveness, abi: leaseLivenessAbi, functionName: "approveReporter", args: [watcher, !approved] },
      approved ? "The Gridlease watcher no longer reports outages for you." : "The Gridlease watcher now reports outages of your leases for you.",
    );
  return (
    <section className="card space-y-2" aria-labelledby="watcher-title" data-testid="outage-watcher">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="watcher-title" className="font-semibold">
          Let the Gridlease watcher report outages for me
        </h2>
        <span className="badge" data-testid="outage-watcher-state">
          {approved === undefined ? "…" : approved ? "on" : "off"}
        </span>
      </div>
      <p className="text-sm text-slate-400">
        When a provider&apos;s machine stops sending heartbeats, the watcher ({shortAddress(watcher)}) reports the outage on-chain for you and puts up the bond
        itself. Unless the provider proves within minutes that it is online, billing stops from its last heartbeat and the lease closes with your refund and a
        penalty from the provider&apos;s stake. You can turn this off at any time.
      </p>
      {mine && approved !== undefined && (
        <button type="button" className="btn-secondary" disabled={action.busy} onClick={toggle} data-testid="outage-watcher-toggle">
          {approved ? "Turn off" : "Turn on"}
        </button>
      )}
      <TxStatus state={action.state} />
    </section>
  );
}
