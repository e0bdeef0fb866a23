import type { LimitFunction } from "p-limit";
import { setTimeout as sleep } from "node:timers/promises";
import { erc20Abi, formatUnits } from "viem";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { describeError } from "../chain";
import { fetchOwnOffers, OfferStatus, type ProviderOffer } from "../provider";
import { postHeartbeat, signHeartbeat } from "./heartbeat";
import { LeaseHandler, type ProviderRuntime } from "./lease-handler";
import { livenessAddress, LivenessResponder, scanOutageReports, type OutageReport } from "./liveness";
import type { Booking } from "./lease-request";
import type { WorkloadManager } from "../workloads/manager";

/** Many RPC providers cap eth_getLogs ranges; scan in slices this size. */
const LOG_RANGE = 5_000n;

export interface AgentOptions extends ProviderRuntime {
  /** This provider's offers; the fleet answers from one shared snapshot instead of a scan per provider. */
  ownOffers?: () => Promise<ProviderOffer[]>;
  /** The container provisioner (issue 16), when the config has `workloads`. */
  workloads?: WorkloadManager;
  /** Delays the first heartbeat; the fleet spreads its providers' heartbeats so they do not all sign and post in one poll. */
  firstHeartbeatDelayMs?: number;
  /**
   * The caller hands over every escrow event of this provider's leases through touch() (the fleet's
   * shared scan does): an active lease with nothing due is then re-read only when an event names it,
   * instead of one getLease per lease per poll (10,000 leases were 10,000 calls a second).
   */
  leaseEvents?: boolean;
  /**
   * Saves the scan checkpoint at most this often (default: every poll). The fleet's 500 providers each
   * wrote and renamed a file every block, which queued the journal's fsyncs behind them in libuv's
   * four-thread pool and held accepts back by seconds; an older checkpoint only means a longer rescan
   * after a restart, whose bookings the journal already knows.
   */
  checkpointEveryMs?: number;
  /** Queues provision/deprovision scripts (LeaseHandlerDeps.scriptQueue). */
  scriptQueue?: LimitFunction;
}

/** The block a poll works against. */
export interface PollBlock {
  number: bigint;
  timestamp: bigint;
}

/**
 * One provider's loop, used by `serve` (run(): it polls the chain itself) and by `fleet` (which
 * reads the booking events of all its providers in one scan, hands each its own through addBooking(),
 * then calls step()). Each poll hands every lease that still needs work to the LeaseHandler, without
 * waiting for it, so a slow provisioning script does not delay other leases. Heartbeats and payout
 * withdrawals run on their own schedules.
 */
export class ProviderAgent {
  private readonly bookings = new Map<bigint, Booking>();
  private readonly finished = new Set<bigint>();
  private readonly busy = new Map<bigint, Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly handler: LeaseHandler;
  private nextScanBlock: bigint;
  private lastHeartbeatAt = 0;
  private lastWithdrawCheckAt = 0;
  private lastHeartbeatProblem: string | undefined;
  /** Heartbeats and withdrawals run beside the poll loop so a slow web app cannot delay lease work. */
  private readonly sideTasks = new Set<Promise<void>>();
  /** Refutes outage reports on leases this agent serves (docs/protocol.md, "Liveness"). */
  private readonly liveness: LivenessResponder;
  private responding = false;
  /** The first block whose OutageReported events `serve` has not read (the fleet reads them for all its providers). */
  private nextReportScanBlock?: bigint;
  /** Leases an event has named since their last reconcile (with `leaseEvents`). */
  private readonly touched = new Set<bigint>();
  private lastCheckpointAt = 0;

  constructor(private readonly options: AgentOptions) {
    this.nextScanBlock = options.ctx.contracts.deployBlock;
    if (options.firstHeartbeatDelayMs) this.lastHeartbeatAt = Date.now() - options.config.intervals.heartbeatSeconds * 1000 + options.firstHeartbeatDelayMs;
    this.handler = new LeaseHandler({ ...options, shutdown: this.shutdown.signal });
    // A random phase, so a fleet's providers do not all write their checkpoints in the same poll.
    if (options.checkpointEveryMs) this.lastCheckpointAt = Date.now() - Math.random() * options.checkpointEveryMs;
    this.liveness = new LivenessResponder(options);
  }

  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  get address(): string {
    return this.options.keys.account.address;
  }

  /** The first block whose booking events this provider has not seen. */
  get scanFrom(): bigint {
    return this.nextScanBlock;
  }

  /** Announces the provider and moves the scan start to the journal's checkpoint. */
  async resume(): Promise<bigint> {
    const { log, keys, ctx } = this.options;
    log.info(`serving as ${keys.account.address} on chain ${ctx.chainId} (escrow ${ctx.contracts.escrow}); journal ${this.options.journal.filePath}`);
    const checkpoint = await this.options.journal.readScanCheckpoint();
    if (checkpoint !== undefined && checkpoint > this.nextScanBlock) {
      this.nextScanBlock = checkpoint;
      log.info(`resuming the booking scan at block ${checkpoint} (earlier leases need no work).`);
    }
    await this.adoptOpenEnvironments();
    // Reports come after an accept, so none on a lease that still needs work lies before the booking scan's start.
    this.nextReportScanBlock ??= this.nextScanBlock;
    return this.nextScanBlock;
  }

  /**
   * Environments the journal says still exist are always worked on, even when the checkpoint is past
   * their booking: an agent before issue 12 gave up on a failing deprovision and moved on, which left
   * the GPUs held and `status` listing the lease forever. Their LeaseBooked events are read by lease id.
   */
  private async adoptOpenEnvironments(): Promise<void> {
    const { ctx, journal, log } = this.options;
    for (const state of journal.all().filter((s) => s.provisionStarted && !s.deprovisioned)) {
      const leaseId = BigInt(state.leaseId);
      if (this.bookings.has(leaseId)) continue;
      const [event] = await ctx.publicClient.getContractEvents({
        address: ctx.contracts.escrow,
        abi: leaseEscrowAbi,
        eventName: "LeaseBooked",
        args: { leaseId },
        fromBlock: ctx.contracts.deployBlock,
      });
      if (!event || event.blockNumber >= this.nextScanBlock) continue; // the scan will find it
      this.addBooking(bookingFromEvent(event));
      log.info(`lease ${leaseId}: its environment is not revoked yet (journal); handling it again.`);
    }
  }

  /** Serves until stop(); resolves once in-flight work has wound down. */
  async run(): Promise<void> {
    const { config, log } = this.options;
    await this.resume();
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        log.error(`poll failed, retrying: ${describeError(error)}`);
      }
      await sleep(config.intervals.pollSeconds * 1000, undefined, { signal: this.shutdown.signal }).catch(() => {});
    }
    await this.drain();
    log.info("stopped.");
  }

  /** Waits for in-flight lease work, heartbeats and withdrawals. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.busy.values(), ...this.sideTasks]);
    // With a throttled checkpoint the last one may be behind; a clean stop leaves it current.
    if (this.options.checkpointEveryMs) await this.options.journal.saveScanCheckpoint(this.scanCheckpoint());
  }

  /** Stops polling and interrupts running scripts; run() resolves when in-flight work has settled. */
  stop(): void {
    if (this.stopping) return;
    this.options.log.info("shutting down: finishing in-flight work…");
    this.shutdown.abort();
  }

  async tick(): Promise<void> {
    const block = await this.options.ctx.publicClient.getBlock({ blockTag: "latest" });
    await this.scanBookings(block.number);
    await this.scanOutageReports(block.number);
    await this.step(block);
  }

  /** Records a LeaseBooked event of this provider (once per lease). */
  addBooking(booking: Booking): void {
    if (this.bookings.has(booking.leaseId)) return;
    this.bookings.set(booking.leaseId, booking);
    // After a restart the scan re-reads bookings the journal already knows; only new ones are news.
    if (!this.options.journal.knows(booking.leaseId)) {
      this.options.log.info(
        `lease ${booking.leaseId}: booked by ${booking.renter} (${booking.gpus} GPU × ${booking.durationHours} h on offer ${booking.offerId}).`,
      );
    }
  }

  /** An OutageReported event; kept only when it is about one of this provider's leases. */
  addOutageReport(report: OutageReport): void {
    if (!this.bookings.has(report.leaseId)) return;
    this.liveness.add(report);
    this.touched.add(report.leaseId);
  }

  /** An escrow event named this lease (with `leaseEvents`): its next poll re-reads it from the chain. */
  touch(leaseId: bigint): void {
    if (this.bookings.has(leaseId) && !this.finished.has(leaseId)) this.touched.add(leaseId);
  }

  /** Every booking event up to `block` has been handed over through addBooking(). */
  markScanned(block: bigint): void {
    if (block + 1n > this.nextScanBlock) this.nextScanBlock = block + 1n;
  }

  /** One poll's work against `block`, once its booking events are known. */
  async step(block: PollBlock): Promise<void> {
    for (const booking of this.bookings.values()) {
      if (this.finished.has(booking.leaseId) || this.busy.has(booking.leaseId)) continue;
      if (this.options.leaseEvents && !this.touched.has(booking.leaseId) && block.timestamp < (this.handler.quietUntil(booking.leaseId) ?? 0n)) continue;
      this.touched.delete(booking.leaseId);
      const work = this.handler
        .reconcile(booking, block.timestamp)
        .then((done) => {
          if (done) this.finished.add(booking.leaseId);
        })
        .catch((error) => this.options.log.error(`lease ${booking.leaseId}: ${describeError(error)}`))
        .finally(() => this.busy.delete(booking.leaseId));
      this.busy.set(booking.leaseId, work);
    }
    if (Date.now() - this.lastCheckpointAt >= (this.options.checkpointEveryMs ?? 0)) {
      this.lastCheckpointAt = Date.now();
      await this.options.journal.saveScanCheckpoint(this.scanCheckpoint());
    }
    // Beside the lease work (a slow provisioning script must not delay a refutation), one pass at a time.
    if (this.liveness.waiting > 0 && !this.responding) {
      this.responding = true;
      this.inBackground(this.liveness.respond(block.timestamp).finally(() => (this.responding = false)));
    }
    const nowMs = Date.now();
    if (nowMs - this.lastHeartbeatAt >= this.options.config.intervals.heartbeatSeconds * 1000) {
      this.lastHeartbeatAt = nowMs;
      this.inBackground(this.heartbeat());
    }
    if (nowMs - this.lastWithdrawCheckAt >= this.options.config.intervals.claimSeconds * 1000) {
      this.lastWithdrawCheckAt = nowMs;
      this.inBackground(this.withdrawDeferredPayouts());
    }
  }

  /** The earliest booking block of a lease that may still need work, else the next block to scan. */
  private scanCheckpoint(): bigint {
    let checkpoint = this.nextScanBlock;
    for (const booking of this.bookings.values()) {
      if (!this.finished.has(booking.leaseId) && booking.blockNumber < checkpoint) checkpoint = booking.blockNumber;
    }
    return checkpoint;
  }

  private inBackground(task: Promise<void>): void {
    this.sideTasks.add(task);
    void task.finally(() => this.sideTasks.delete(task));
  }

  private async scanBookings(latest: bigint): Promise<void> {
    const { ctx, keys } = this.options;
    const me = keys.account.address.toLowerCase();
    while (this.nextScanBlock <= latest) {
      const toBlock = this.nextScanBlock + LOG_RANGE - 1n < latest ? this.nextScanBlock + LOG_RANGE - 1n : latest;
      // `provider` is not an indexed field of LeaseBooked, so the filter runs here.
      const logs = await ctx.publicClient.getContractEvents({
        address: ctx.contracts.escrow,
        abi: leaseEscrowAbi,
        eventName: "LeaseBooked",
        fromBlock: this.nextScanBlock,
        toBlock,
      });
      for (const event of logs) {
        if (event.args.provider!.toLowerCase() === me) this.addBooking(bookingFromEvent(event));
      }
      this.nextScanBlock = toBlock + 1n;
    }
  }

  private async scanOutageReports(latest: bigint): Promise<void> {
    const liveness = await livenessAddress(this.options.ctx);
    const from = this.nextReportScanBlock ?? this.nextScanBlock;
    if (!liveness || from > latest) return;
    for (const report of await scanOutageReports(this.options.ctx.publicClient, liveness, from, latest)) this.addOutageReport(report);
    this.nextReportScanBlock = latest + 1n;
  }

  private async heartbeat(): Promise<void> {
    const { ctx, keys, config, log } = this.options;
    try {
      const offers = this.options.ownOffers ? await this.options.ownOffers() : await fetchOwnOffers(ctx, keys.account.address);
      const offerIds = offers.filter((o) => o.status === OfferStatus.Active).map((o) => o.offerId);
      const problem = await postHeartbeat(
        config.apiUrl,
        await signHeartbeat(keys.account, { chainId: ctx.chainId, registry: ctx.contracts.registry }, offerIds),
      );
      if (problem && problem !== this.lastHeartbeatProblem) log.warn(`heartbeat not delivered, still serving: ${problem}`);
      if (!problem && this.lastHeartbeatProblem) log.info("heartbeats are being delivered again.");
      this.lastHeartbeatProblem = problem;
    } catch (error) {
      log.warn(`heartbeat failed, still serving: ${describeError(error)}`);
    }
  }

  /** Payouts the escrow could not push (PayoutDeferred) wait in `withdrawable`; pull them. */
  private async withdrawDeferredPayouts(): Promise<void> {
    const { ctx, keys, log } = this.options;
    const escrow = { address: ctx.contracts.escrow, abi: leaseEscrowAbi } as const;
    try {
      const amount = await ctx.publicClient.readContract({ ...escrow, functionName: "withdrawable", args: [keys.account.address, ctx.contracts.token] });
      if (amount === 0n) return;
      await ctx.sender.send({ ...escrow, functionName: "withdraw", args: [ctx.contracts.token] });
      const balance = await ctx.publicClient.readContract({
        address: ctx.contracts.token,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [keys.account.address],
      });
      log.info(
        `withdrew ${formatUnits(amount, ctx.tokenDecimals)} ${ctx.tokenSymbol} of deferred payouts; balance ${formatUnits(balance, ctx.tokenDecimals)}.`,
      );
    } catch (error) {
      log.error(`withdrawing deferred payouts failed: ${describeError(error)}`);
    }
  }
}

interface LeaseBookedArgs {
  leaseId?: bigint;
  offerId?: bigint;
  provider?: string;
  renter?: `0x${string}`;
  gpus?: number;
  durationHours?: number;
  pricePerGpuHour?: bigint;
  deposit?: bigint;
  acceptDeadline?: bigint;
  encryptedRequest?: `0x${string}`;
}

/** A decoded LeaseBooked log as the handler's Booking. */
export function bookingFromEvent({ args, blockNumber }: { args: LeaseBookedArgs; blockNumber: bigint }): Booking {
  return {
    leaseId: args.leaseId!,
    offerId: args.offerId!,
    renter: args.renter!,
    gpus: args.gpus!,
    durationHours: args.durationHours!,
    pricePerGpuHour: args.pricePerGpuHour!,
    deposit: args.deposit!,
    acceptDeadline: args.acceptDeadline!,
    encryptedRequest: args.encryptedRequest!,
    blockNumber,
  };
}
