import { BaseError, ContractFunctionRevertedError, formatUnits, type Hex } from "viem";
import { bytes32ToText } from "@gridlease/sdk/offers";
import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { sealJson, type SealContext } from "@gridlease/sdk/crypto";
import { CLOSE_REASON, CloseReason, LeaseStatus } from "@gridlease/sdk/protocol";
import { describeError, NoGasError, TransactionFailedError, type ChainContext } from "../chain";
import type { AgentConfig } from "../config";
import type { HardwareReport } from "../detect/hardware";
import type { Journal, LeaseJournalState } from "../journal";
import type { ProviderKeys } from "../keyfile";
import type { Logger } from "../log";
import type { LimitFunction } from "p-limit";
import { parseScriptJson, runScript } from "../scripts";
import { DEFAULT_LAUNCH_SPEC } from "@gridlease/sdk/launch-spec";
import type { WorkloadLease, WorkloadManager } from "../workloads/manager";
import { publishDeclineEvidence } from "./decline-evidence";
import {
  decryptLeaseRequest,
  LeaseRequestError,
  requestContext,
  scriptEnvironment,
  type Booking,
  type LeaseScriptInput,
  type ValidLeaseRequest,
} from "./lease-request";

export { CloseReason, LeaseStatus };

/** On-chain `encryptedAccess` is calldata the renter's wallet pays nothing for, but the provider does; keep it small. */
const MAX_ACCESS_BYTES = 8 * 1024;
/**
 * An active lease with nothing due is re-read at least this often even when no event names it (see
 * quietUntil): a safety net only, as every status change of an active lease emits an escrow event.
 */
const QUIET_RECHECK_SECONDS = 300n;
/** A failed deprovisioning is retried until it succeeds, waiting twice as long each time up to this cap. */
const MAX_DEPROVISION_BACKOFF_SECONDS = 300;

/** What a provider's agent runs with; the agent's options and each lease handler's dependencies extend it. */
export interface ProviderRuntime {
  config: AgentConfig;
  keys: ProviderKeys;
  ctx: ChainContext;
  journal: Journal;
  hardware: HardwareReport;
  log: Logger;
}

export interface LeaseHandlerDeps extends ProviderRuntime {
  /** Aborted on shutdown: running scripts are stopped and nothing is recorded as failed. */
  shutdown: AbortSignal;
  /** The container provisioner (config `workloads`); without it the provision/deprovision scripts run. */
  workloads?: WorkloadManager;
  /** Queues the provision/deprovision scripts (the fleet: one bound for all its providers); none for `serve`. */
  scriptQueue?: LimitFunction;
}

type ChainLease = Awaited<ReturnType<typeof readLease>>;

function readLease(ctx: ChainContext, leaseId: bigint) {
  return ctx.publicClient.readContract({ address: ctx.contracts.escrow, abi: leaseEscrowAbi, functionName: "getLease", args: [leaseId] });
}

/**
 * Brings one lease's side effects in line with its on-chain state. Called repeatedly; every step
 * first checks the journal, so repeating a call (or restarting the agent) never repeats an effect.
 * Returns true when the lease needs no further attention.
 */
export class LeaseHandler {
  private readonly offerSpecs = new Map<bigint, { model: string; gpuCount: number; cpuCores: number; ramGb: number }>();
  private readonly lastClaimAt = new Map<bigint, bigint>();
  private readonly deprovisionAttempts = new Map<bigint, { attempts: number; retryAtMs: number }>();
  /** Leases whose provisioning script this process has started: it never starts one twice (issue 10, C1). */
  private readonly provisionRan = new Set<bigint>();
  /** Active leases: the block time before which nothing is due unless an event names the lease. */
  private readonly quiet = new Map<bigint, bigint>();

  constructor(private readonly deps: LeaseHandlerDeps) {}

  private queued<T>(script: () => Promise<T>): Promise<T> {
    return this.deps.scriptQueue ? this.deps.scriptQueue(script) : script();
  }

  /** Until this block time an active lease needs no read unless an escrow event names it (ends, claims and the recheck are later). */
  quietUntil(leaseId: bigint): bigint | undefined {
    return this.quiet.get(leaseId);
  }

  async reconcile(booking: Booking, now: bigint): Promise<boolean> {
    const { journal } = this.deps;
    this.quiet.delete(booking.leaseId);
    const lease = await readLease(this.deps.ctx, booking.leaseId);
    const state = journal.stateOf(booking.leaseId);
    // An environment is held until the deprovision script has succeeded: the GPUs stay taken and the
    // scan checkpoint stays behind the lease until then (a `deprovision-failed` record from an older
    // agent that gave up is retried too).
    const holdsEnvironment = state.provisionStarted && !state.deprovisioned;
    switch (lease.status as LeaseStatus) {
      case LeaseStatus.Pending:
        if (now > lease.acceptDeadline) {
          if (holdsEnvironment) return this.deprovision(booking, state, "the lease was not accepted within the accept window");
          if (!state.provisionStarted)
            this.deps.log.warn(`lease ${booking.leaseId}: the accept window closed before the agent handled it; the renter can reclaim.`);
          return true;
        }
        // A failed provisioning is never provisioned again: the lease is declined at once (a refund now; inside
        // the accept window no slash, after it the contracts apply the no-show slash whoever closes, see
        // docs/protocol.md) and the environment cleaned up.
        if (state.provisionFailure) return this.settleFailedProvisioning(booking, state);
        if (state.declineTxHash) return true;
        if (!state.encryptedAccess && !(await this.provision(booking, state))) {
          // Done, unless a failed provisioning left an environment whose removal must be retried.
          const after = journal.stateOf(booking.leaseId);
          return !(after.provisionStarted && !after.deprovisioned);
        }
        // The pull and start run beside the accept transaction; the renter watches them through the status API.
        await this.launchWorkload(booking);
        await this.accept(booking, state);
        return false;
      case LeaseStatus.Active:
        if (now >= lease.endsAt) {
          await this.claim(booking.leaseId, lease, { final: true });
          if (holdsEnvironment) await this.deprovision(booking, state, "the lease ended");
          return false;
        }
        if (holdsEnvironment) await this.launchWorkload(booking);
        await this.claimOnSchedule(booking.leaseId, lease, now);
        // A container provisioner is looked after on every poll; without one only the end, the next claim or an event matter.
        if (!this.deps.workloads) {
          const nextClaim = (this.lastClaimAt.get(booking.leaseId) ?? lease.acceptedAt) + BigInt(Math.ceil(this.deps.config.intervals.claimSeconds));
          const recheck = now + QUIET_RECHECK_SECONDS;
          let until = lease.endsAt < nextClaim ? lease.endsAt : nextClaim;
          if (recheck < until) until = recheck;
          this.quiet.set(booking.leaseId, until);
        }
        return false;
      case LeaseStatus.Disputed:
        // Accrual froze when the dispute opened; access lasts until the booked end, the money waits for the arbiter.
        if (now >= lease.endsAt && holdsEnvironment) await this.deprovision(booking, state, "the lease ended while disputed");
        return false;
      case LeaseStatus.Suspended:
        // An outage report awaits refutation (issue 15): the liveness responder answers it; access stays,
        // accrual is frozen at the report's cutoff, and a claim would revert until it is resolved.
        return false;
      case LeaseStatus.Closed:
        if (holdsEnvironment) return this.deprovision(booking, state, `the lease was closed (${CLOSE_REASON[lease.closeReason] ?? lease.closeReason})`);
        return true;
      default:
        this.deps.log.warn(`lease ${booking.leaseId}: unknown on-chain status ${lease.status}`);
        return false;
    }
  }

  private async offerSpecOf(offerId: bigint) {
    let spec = this.offerSpecs.get(offerId);
    if (!spec) {
      const offer = await this.deps.ctx.publicClient.readContract({
        address: this.deps.ctx.contracts.registry,
        abi: providerRegistryAbi,
        functionName: "getOffer",
        args: [offerId],
      });
      spec = { model: bytes32ToText(offer.spec.gpuModel), gpuCount: offer.spec.gpuCount, cpuCores: offer.spec.cpuCores, ramGb: offer.spec.ramGb };
      this.offerSpecs.set(offerId, spec);
    }
    return spec;
  }

  private async gpuModelOf(offerId: bigint): Promise<string> {
    return (await this.offerSpecOf(offerId)).model;
  }

  /** The lease as the container provisioner needs it: the renter's launch spec (plain SSH when none) and the offer's CPU/RAM share. */
  private async workloadLease(booking: Booking, request: ValidLeaseRequest, gpuIndices: number[]): Promise<WorkloadLease> {
    const offer = await this.offerSpecOf(booking.offerId);
    return { leaseId: booking.leaseId, gpuIndices, gpus: booking.gpus, offer, spec: request.launch ?? DEFAULT_LAUNCH_SPEC, sshPublicKey: request.sshPublicKey };
  }

  /** Pulls and starts the lease's container unless already under way (idempotent; also adopts one after a restart). */
  private async launchWorkload(booking: Booking): Promise<void> {
    const workloads = this.deps.workloads;
    if (!workloads) return;
    const request = decryptLeaseRequest(this.deps.keys.encryption, booking.encryptedRequest, this.requestContext(booking));
    workloads.ensureLaunched(await this.workloadLease(booking, request, this.deps.journal.stateOf(booking.leaseId).gpuIndices));
  }

  /** Free GPUs of the offer's model: those not held by a lease whose environment still exists. */
  private allocateGpus(model: string, count: number): { indices: number[]; uuids: string[] } | undefined {
    const group = this.deps.hardware.groups.find((g) => g.model?.id === model);
    if (!group) return undefined;
    const held = new Set(
      this.deps.journal
        .all()
        .filter((s) => s.provisionStarted && !s.deprovisioned)
        .flatMap((s) => s.gpuIndices),
    );
    const free = group.indices.filter((i) => !held.has(i));
    if (free.length < count) return undefined;
    const indices = free.slice(0, count);
    return { indices, uuids: indices.map((i) => group.uuids[group.indices.indexOf(i)]) };
  }

  private async scriptInput(
    booking: Booking,
    request: ValidLeaseRequest,
    gpuIndices: number[],
    event: LeaseScriptInput["event"],
    reason?: string,
  ): Promise<LeaseScriptInput> {
    const model = await this.gpuModelOf(booking.offerId);
    const group = this.deps.hardware.groups.find((g) => g.model?.id === model);
    return {
      event,
      reason,
      chainId: this.deps.ctx.chainId,
      leaseId: booking.leaseId.toString(),
      offerId: booking.offerId.toString(),
      provider: this.deps.keys.account.address,
      renter: booking.renter,
      gpuModel: model,
      gpus: booking.gpus,
      gpuIndices,
      gpuUuids: group ? gpuIndices.map((i) => group.uuids[group.indices.indexOf(i)]) : [],
      durationHours: booking.durationHours,
      pricePerGpuHour: formatUnits(booking.pricePerGpuHour, this.deps.ctx.tokenDecimals),
      acceptDeadline: Number(booking.acceptDeadline),
      sshPublicKey: request.sshPublicKey,
      note: request.note,
    };
  }

  private requestContext(booking: Booking): SealContext {
    return requestContext(this.deps.ctx.chainId, this.deps.ctx.contracts.escrow, booking);
  }

  /**
   * Runs the provisioning script and records the sealed access details; false when the lease will not
   * be accepted. Once the script may have run, every failure is journaled as `provision-failed` and the
   * environment is revoked: a lease whose provisioning failed is never provisioned again (issue 10, C1:
   * re-running a root script the renter can race is how a renter got root).
   */
  private async provision(booking: Booking, state: LeaseJournalState): Promise<boolean> {
    const { journal, log, config } = this.deps;
    const id = booking.leaseId;
    let request: ValidLeaseRequest;
    try {
      request = decryptLeaseRequest(this.deps.keys.encryption, booking.encryptedRequest, this.requestContext(booking));
    } catch (error) {
      if (!(error instanceof LeaseRequestError)) throw error;
      const declined = await this.decline(booking, error.message);
      // Only a request that opens can be shown to be the renter's fault (see decline-evidence.ts).
      if (declined && error.kind === "invalid") await publishDeclineEvidence(this.deps, booking);
      return false;
    }
    let gpuIndices = state.gpuIndices;
    if (state.provisionStarted) {
      if (state.provisionResumed || this.provisionRan.has(id)) {
        await this.failProvisioning(booking, "provisioning was interrupted twice; not running the provisioning script again");
        return false;
      }
      log.info(
        `lease ${id}: provisioning was interrupted (agent restart); running the provisioning script again for the same GPUs ${gpuIndices.join(",") || "-"}.`,
      );
      await journal.record({ event: "provision-resumed", leaseId: id.toString() });
    } else {
      const model = await this.gpuModelOf(booking.offerId);
      const gpus = this.allocateGpus(model, booking.gpus);
      if (!gpus) {
        await this.decline(booking, `no ${booking.gpus} free ${model} GPU(s) on this host`);
        return false;
      }
      gpuIndices = gpus.indices;
      await journal.record({ event: "provision-started", leaseId: id.toString(), gpuIndices });
    }
    this.provisionRan.add(id);
    try {
      const input = await this.scriptInput(booking, request, gpuIndices, "provision");
      let access: Record<string, unknown>;
      if (this.deps.workloads) {
        log.info(
          `lease ${id}: preparing a ${(request.launch ?? DEFAULT_LAUNCH_SPEC).template} container on ${booking.gpus}× ${input.gpuModel} (GPUs ${gpuIndices.join(",") || "-"}) for ${booking.renter} with ${this.deps.workloads.runtime.kind}`,
        );
        access = await this.deps.workloads.prepare(await this.workloadLease(booking, request, gpuIndices));
      } else {
        log.info(
          `lease ${id}: provisioning ${booking.gpus}× ${input.gpuModel} (GPUs ${gpuIndices.join(",") || "-"}) for ${booking.renter} with ${config.provision.command}`,
        );
        const { stdout } = await this.queued(() => runScript(config.provision, input, { env: scriptEnvironment(input), signal: this.deps.shutdown }));
        access = parseScriptJson(stdout, config.provision.command);
      }
      const context: SealContext = {
        kind: "access",
        chainId: this.deps.ctx.chainId,
        escrow: this.deps.ctx.contracts.escrow,
        leaseId: id,
        renter: booking.renter,
      };
      const encryptedAccess = sealJson(request.renterEncryptionKey, access, context);
      if ((encryptedAccess.length - 2) / 2 > MAX_ACCESS_BYTES) {
        throw new Error(`the access details printed by ${config.provision.command} exceed ${MAX_ACCESS_BYTES} bytes once encrypted`);
      }
      await journal.record({ event: "provisioned", leaseId: id.toString(), encryptedAccess });
    } catch (error) {
      if (this.deps.shutdown.aborted) {
        log.warn(`lease ${id}: provisioning stopped by shutdown; it will be re-run after restart.`);
        return false;
      }
      await this.failProvisioning(booking, (error as Error).message);
      return false;
    }
    log.info(`lease ${id}: environment provisioned.`);
    return true;
  }

  /**
   * Journals the failure first (so no later poll or restart provisions again), declines the lease
   * (the renter is refunded at once; inside the accept window this costs no slash, while waiting it out
   * would cost the no-show slash), then revokes what the script made.
   */
  private async failProvisioning(booking: Booking, reason: string): Promise<void> {
    const { journal, log } = this.deps;
    const id = booking.leaseId;
    log.error(`lease ${id}: provisioning failed, declining the lease: ${reason}`);
    await journal.record({ event: "provision-failed", leaseId: id.toString(), reason });
    await this.settleFailedProvisioning(booking, journal.stateOf(id));
  }

  /** Decline (once) and clean up a lease whose provisioning failed; true once both are done. */
  private async settleFailedProvisioning(booking: Booking, state: LeaseJournalState): Promise<boolean> {
    if (!state.declineTxHash) await this.decline(booking, `provisioning failed: ${state.provisionFailure}`);
    const after = this.deps.journal.stateOf(booking.leaseId);
    if (after.provisionStarted && !after.deprovisioned) return this.deprovision(booking, after, "cleanup after failed provisioning");
    // A decline that did not land is retried on the next pass while the lease is still pending.
    return !!after.declineTxHash;
  }

  private async accept(booking: Booking, state: LeaseJournalState): Promise<void> {
    const id = booking.leaseId;
    try {
      const receipt = await this.deps.ctx.sender.send(
        { address: this.deps.ctx.contracts.escrow, abi: leaseEscrowAbi, functionName: "accept", args: [id, state.encryptedAccess as Hex] },
        (txHash) => this.deps.journal.record({ event: "accept-sent", leaseId: id.toString(), txHash }),
      );
      this.deps.log.info(`lease ${id}: accepted in block ${receipt.blockNumber} (tx ${receipt.transactionHash}).`);
    } catch (error) {
      // No gas is not a refusal: the next pass sends the accept again, in time if the provider funds the address.
      const refused =
        !(error instanceof NoGasError) &&
        (error instanceof TransactionFailedError || (error instanceof BaseError && !!error.walk((e) => e instanceof ContractFunctionRevertedError)));
      const lease = refused ? await readLease(this.deps.ctx, id).catch(() => undefined) : undefined;
      if (lease?.status === LeaseStatus.Pending) {
        // The escrow refuses this accept for a lease that is still pending: retrying cannot help, so revoke now.
        await this.failProvisioning(booking, `the escrow refused the accept: ${describeError(error)}`);
        return;
      }
      // Network trouble, or the lease moved on: the next pass re-reads it (Active: the accept landed; closed or past the window: access is revoked).
      this.deps.log.error(`lease ${id}: accept failed: ${describeError(error)}`);
    }
  }

  /** True when the decline transaction landed. */
  private async decline(booking: Booking, reason: string): Promise<boolean> {
    const id = booking.leaseId;
    this.deps.log.error(`lease ${id}: declining: ${reason}`);
    try {
      await this.deps.ctx.sender.send({ address: this.deps.ctx.contracts.escrow, abi: leaseEscrowAbi, functionName: "decline", args: [id] }, (txHash) =>
        this.deps.journal.record({ event: "decline-sent", leaseId: id.toString(), txHash, reason }),
      );
      return true;
    } catch (error) {
      this.deps.log.error(`lease ${id}: decline failed: ${describeError(error)}`);
      return false;
    }
  }

  private async claimOnSchedule(leaseId: bigint, lease: ChainLease, now: bigint): Promise<void> {
    const last = this.lastClaimAt.get(leaseId) ?? lease.acceptedAt;
    if (now - last < BigInt(Math.ceil(this.deps.config.intervals.claimSeconds))) return;
    await this.claim(leaseId, lease, { final: false });
    this.lastClaimAt.set(leaseId, now);
  }

  /** `final`: the lease has ended, so this claim closes it (or `complete` does, when nothing is left to claim). */
  private async claim(leaseId: bigint, lease: ChainLease, { final }: { final: boolean }): Promise<void> {
    const escrow = { address: this.deps.ctx.contracts.escrow, abi: leaseEscrowAbi } as const;
    const claimable = await this.deps.ctx.publicClient.readContract({ ...escrow, functionName: "claimable", args: [leaseId] });
    try {
      if (claimable > 0n) {
        const receipt = await this.deps.ctx.sender.send({ ...escrow, functionName: "claim", args: [leaseId] });
        const why = final ? "the lease has ended" : "scheduled claim";
        this.deps.log.info(
          `lease ${leaseId}: claimed ${formatUnits(claimable, this.deps.ctx.tokenDecimals)} ${this.deps.ctx.tokenSymbol} gross (${why}, tx ${receipt.transactionHash}).`,
        );
      } else if (final && lease.status === LeaseStatus.Active) {
        await this.deps.ctx.sender.send({ ...escrow, functionName: "complete", args: [leaseId] });
        this.deps.log.info(`lease ${leaseId}: completed (nothing left to claim).`);
      }
    } catch (error) {
      this.deps.log.error(`lease ${leaseId}: claim failed: ${describeError(error)}`);
    }
  }

  /**
   * Runs the deprovision script until it succeeds; true once the environment is gone. A failure is an
   * alert and is retried with exponential backoff: giving up would leave the renter's access and keep
   * the GPUs out of every later booking.
   */
  private async deprovision(booking: Booking, state: LeaseJournalState, reason: string): Promise<boolean> {
    const { journal, log, config } = this.deps;
    const id = booking.leaseId;
    if (state.deprovisioned) return true;
    const pending = this.deprovisionAttempts.get(id);
    if (pending && Date.now() < pending.retryAtMs) return false;
    let request: ValidLeaseRequest;
    try {
      request = decryptLeaseRequest(this.deps.keys.encryption, booking.encryptedRequest, this.requestContext(booking));
    } catch {
      // Provisioning never ran for a request that does not decrypt, so there is nothing to revoke.
      await journal.record({ event: "deprovisioned", leaseId: id.toString(), reason: "request never decrypted" });
      return true;
    }
    const firstAttempt = !state.deprovisionStarted;
    if (firstAttempt) await journal.record({ event: "deprovision-started", leaseId: id.toString(), reason });
    const input = await this.scriptInput(booking, request, state.gpuIndices, "deprovision", reason);
    const workloads = this.deps.workloads;
    // Said once: during the export grace this runs on every poll.
    if (firstAttempt || pending || !workloads)
      log.info(`lease ${id}: revoking access (${reason}) with ${workloads ? `the ${workloads.runtime.kind} provisioner` : config.deprovision.command}`);
    try {
      if (workloads) {
        // A lease that ran its full time keeps its container for the export grace; a cancelled, declined or failed one goes at once.
        const grace = reason === "the lease ended" || reason === "the lease ended while disputed" ? (config.workloads?.exportGraceSeconds ?? 0) : 0;
        if (!(await workloads.remove(id, reason, grace))) return false;
      } else await this.queued(() => runScript(config.deprovision, input, { env: scriptEnvironment(input), signal: this.deps.shutdown }));
    } catch (error) {
      if (this.deps.shutdown.aborted) return false;
      const attempts = (pending?.attempts ?? 0) + 1;
      const backoffSeconds = Math.min(config.intervals.pollSeconds * 2 ** attempts, MAX_DEPROVISION_BACKOFF_SECONDS);
      this.deprovisionAttempts.set(id, { attempts, retryAtMs: Date.now() + backoffSeconds * 1000 });
      log.error(
        `ALERT lease ${id}: deprovisioning failed (attempt ${attempts}), the renter may still have access and GPUs ${state.gpuIndices.join(",") || "-"} stay reserved; retrying in ${backoffSeconds} s. Fix ${config.deprovision.command}: ${(error as Error).message}`,
      );
      return false;
    }
    this.deprovisionAttempts.delete(id);
    await journal.record({ event: "deprovisioned", leaseId: id.toString(), reason });
    log.info(`lease ${id}: access revoked.`);
    return true;
  }
}
