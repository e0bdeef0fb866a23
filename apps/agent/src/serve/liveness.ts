import type { Address, PublicClient } from "viem";
import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { livenessProofFor } from "@gridlease/sdk/liveness";
import { OUTAGE_STATUS } from "@gridlease/sdk/protocol";
import { describeTxError } from "@gridlease/sdk/tx-errors";
import type { ChainContext, ContractAddresses } from "../chain";
import type { Journal } from "../journal";
import type { ProviderKeys } from "../keyfile";
import type { Logger } from "../log";

/** Many RPC providers cap eth_getLogs ranges; scan in slices this size (as the booking scan does). */
const LOG_RANGE = 5_000n;

/** An OutageReported event, as the responder keeps it until it is refuted or moot. */
export interface OutageReport {
  leaseId: bigint;
  reporter: Address;
  reportBlock: bigint;
  refutableUntil: bigint;
}

/** The deployment's LeaseLiveness (`escrow.liveness()`), read once per deployment; undefined for an escrow without one. */
const livenessOf = new WeakMap<ContractAddresses, Promise<Address | undefined>>();
export function livenessAddress(ctx: ChainContext): Promise<Address | undefined> {
  let known = livenessOf.get(ctx.contracts);
  if (!known) {
    known = ctx.publicClient.readContract({ address: ctx.contracts.escrow, abi: leaseEscrowAbi, functionName: "liveness" }).catch(() => undefined);
    livenessOf.set(ctx.contracts, known);
  }
  return known;
}

/** OutageReported events of the deployment in [fromBlock, toBlock], in LOG_RANGE slices. */
export async function scanOutageReports(publicClient: PublicClient, liveness: Address, fromBlock: bigint, toBlock: bigint): Promise<OutageReport[]> {
  const reports: OutageReport[] = [];
  for (let from = fromBlock; from <= toBlock; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < toBlock ? from + LOG_RANGE - 1n : toBlock;
    const logs = await publicClient.getContractEvents({ address: liveness, abi: leaseLivenessAbi, eventName: "OutageReported", fromBlock: from, toBlock: to });
    for (const log of logs)
      reports.push({ leaseId: log.args.leaseId!, reporter: log.args.reporter!, reportBlock: log.blockNumber, refutableUntil: log.args.refutableUntil! });
  }
  return reports;
}

export interface LivenessResponderDeps {
  ctx: ChainContext;
  keys: ProviderKeys;
  journal: Journal;
  log: Logger;
}

/**
 * Answers outage reports on this provider's leases (docs/protocol.md, "Liveness"): each one is refuted
 * as soon as the chain has two blocks after the report, with an EIP-712 proof over the older one signed by the
 * provider's key, sent from the provider's wallet. Only for leases whose environment this agent is
 * serving (provisioned, never failed, not being revoked, its container neither failed nor removed, per
 * the journal): a proof says "my host is up and serving this lease", which would be a lie for a lease
 * it is not running.
 */
export class LivenessResponder {
  private readonly pending = new Map<bigint, OutageReport>();
  /** The last failure said per lease: a retry that fails the same way is not journaled again every poll. */
  private readonly lastFailure = new Map<bigint, string>();

  constructor(private readonly deps: LivenessResponderDeps) {}

  /** Remembers a report; the caller hands over only reports on this provider's leases. */
  add(report: OutageReport): void {
    const known = this.pending.get(report.leaseId);
    if (!known || known.reportBlock < report.reportBlock) this.pending.set(report.leaseId, report);
  }

  get waiting(): number {
    return this.pending.size;
  }

  /** Refutes every pending report it can; `now` is the latest block's timestamp. */
  async respond(now: bigint): Promise<void> {
    for (const report of [...this.pending.values()]) {
      try {
        if (await this.answer(report, now)) {
          this.pending.delete(report.leaseId);
          this.lastFailure.delete(report.leaseId);
        }
      } catch (error) {
        // Kept: a later cycle tries again while the window is open.
        const reason = describeTxError(error);
        // Compared without numbers: the same refusal names a new block each poll.
        const kind = reason.replace(/\d+/g, "#");
        if (this.lastFailure.get(report.leaseId) === kind) continue;
        this.lastFailure.set(report.leaseId, kind);
        this.deps.log.error(`lease ${report.leaseId}: refuting the outage report failed, retrying every poll: ${reason}`);
        await this.deps.journal.record({
          event: "outage-refute-failed",
          leaseId: report.leaseId.toString(),
          reportBlock: report.reportBlock.toString(),
          reason,
        });
      }
    }
  }

  /** True when the report needs nothing more from this agent (refuted, moot, or one it must not answer). */
  private async answer(report: OutageReport, now: bigint): Promise<boolean> {
    const { ctx, keys, journal, log } = this.deps;
    const id = report.leaseId;
    const state = journal.stateOf(id);
    // A container workload (issue 16) that failed or was removed is not running either, even though its lease was provisioned.
    const workloadGone = state.workloadStep === "failed" || state.workloadStep === "removed";
    if (!state.encryptedAccess || state.provisionFailure || state.deprovisionStarted || workloadGone) {
      const why = !state.encryptedAccess
        ? "this agent never provisioned it"
        : state.provisionFailure
          ? "its provisioning failed"
          : state.deprovisionStarted
            ? "its environment is being revoked"
            : `its container ${state.workloadStep === "failed" ? "failed" : "was removed"}`;
      log.warn(`lease ${id}: outage reported by ${report.reporter}, not refuted: ${why}, so no workload of it is running here.`);
      return true;
    }
    if (now > report.refutableUntil) {
      log.error(
        `lease ${id}: the outage report's challenge window closed at ${report.refutableUntil} before a refutation landed; the lease will settle as ProviderOffline.`,
      );
      return true;
    }
    const liveness = await livenessAddress(ctx);
    if (!liveness) return true;
    const outage = await ctx.publicClient.readContract({ address: liveness, abi: leaseLivenessAbi, functionName: "outage", args: [id] });
    // Refuted already (by an earlier run of this agent), settled, or superseded by a later report.
    if (OUTAGE_STATUS[Number(outage.status)] !== "Reported" || outage.reportBlock !== report.reportBlock) return true;
    // The proof is over the block before the latest, not the latest (sdk latestLivenessProof): the sender
    // runs the call first to estimate its gas, and a call run in the latest block cannot read that block's own hash
    // (BLOCKHASH of the current block is 0), so it would fail UnknownBlockHash until a newer block came.
    const latest = await ctx.publicClient.getBlock({ blockTag: "latest" });
    const blockNumber = latest.number - 1n;
    if (blockNumber <= report.reportBlock) return false; // the proof needs a block after the report: a later poll
    const signature = await livenessProofFor(keys.account, { leaseId: id, blockNumber, blockHash: latest.parentHash }, { chainId: ctx.chainId, liveness });
    const proof = { blockNumber, signature };
    const receipt = await ctx.sender.send({
      address: liveness,
      abi: leaseLivenessAbi,
      functionName: "refuteOutage",
      args: [id, proof.blockNumber, proof.signature],
    });
    await journal.record({
      event: "outage-refuted",
      leaseId: id.toString(),
      txHash: receipt.transactionHash,
      reportBlock: report.reportBlock.toString(),
      proofBlock: proof.blockNumber.toString(),
    });
    log.info(
      `lease ${id}: refuted the outage reported by ${report.reporter} (proof over block ${proof.blockNumber}, tx ${receipt.transactionHash}); the bond goes to this provider.`,
    );
    return true;
  }
}
