import type pg from "pg";
import { erc20Abi, formatUnits, maxUint256, type Address, type Hash, type PublicClient } from "viem";
import type { SigningWalletClient } from "@gridlease/sdk/chains";
import { leaseEscrowAbi, leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { LeaseStatus, OUTAGE_STATUS } from "@gridlease/sdk/protocol";
import { describeTxError } from "@gridlease/sdk/tx-errors";

/** Many RPC providers cap eth_getLogs ranges; scan in slices this size (as the agent does). */
const LOG_RANGE = 5_000n;
/**
 * lastSeen is moved this much inside maxOutageAge: the report lands in a later block than the one
 * read, and a lastSeen that fell out of the window by then would revert (OutageTooOld).
 */
const MAX_AGE_MARGIN_SECONDS = 30n;

export interface WatcherOptions {
  db: pg.Pool;
  chainId: number;
  publicClient: PublicClient;
  walletClient: SigningWalletClient;
  escrow: Address;
  liveness: Address;
  /** First block of the deployment: where the scan for open reports starts. */
  deployBlock: bigint;
  /** A provider whose last heartbeat is older than this many seconds is reported. */
  offlineAfterSeconds: number;
  log: (line: string) => void;
  /** Wall-clock now in ms (heartbeats carry wall-clock times); tests leave it alone. */
  now?: () => number;
}

export interface CycleResult {
  block: bigint;
  watched: number;
  dark: number;
  reported: bigint[];
  settled: bigint[];
  open: number;
}

interface CandidateRow {
  lease_id: string;
  renter: string;
  provider: string;
  accepted_at: string;
  ends_at: string;
  last_heartbeat: string | null;
}

interface OpenReport {
  refutableUntil: bigint;
}

/**
 * One watcher: every cycle it (1) reports an outage for each active lease whose renter approved this
 * watcher and whose provider's last heartbeat is older than `offlineAfterSeconds`, and (2) settles
 * every open report (its own or anyone's) whose challenge window has passed. The index (PostgreSQL)
 * says which leases and heartbeats to look at; the chain is asked again right before every
 * transaction, so an index that lags cannot make it report twice or report a lease that is no longer
 * active.
 */
export class Watcher {
  private readonly liveness;
  private readonly escrow;
  private readonly me: Address;
  private scanFrom: bigint;
  /** Open reports seen in OutageReported events, by lease id: what settlement looks at. */
  private readonly open = new Map<bigint, OpenReport>();
  /** Leases skipped for a reason that will not change by itself: said once, not every cycle. */
  private readonly quiet = new Map<bigint, string>();
  private windows?: { grace: bigint; maxOutageAge: bigint; challengeWindow: bigint };
  private token?: Address;

  constructor(private readonly options: WatcherOptions) {
    this.liveness = { address: options.liveness, abi: leaseLivenessAbi } as const;
    this.escrow = { address: options.escrow, abi: leaseEscrowAbi } as const;
    this.me = options.walletClient.account.address;
    this.scanFrom = options.deployBlock;
  }

  get address(): Address {
    return this.me;
  }

  private async loadWindows() {
    if (this.windows) return this.windows;
    const { publicClient } = this.options;
    const [grace, maxOutageAge, challengeWindow, token] = await Promise.all([
      publicClient.readContract({ ...this.liveness, functionName: "grace" }),
      publicClient.readContract({ ...this.liveness, functionName: "maxOutageAge" }),
      publicClient.readContract({ ...this.liveness, functionName: "challengeWindow" }),
      publicClient.readContract({ ...this.liveness, functionName: "token" }),
    ]);
    this.token = token;
    this.windows = { grace: BigInt(grace), maxOutageAge: BigInt(maxOutageAge), challengeWindow: BigInt(challengeWindow) };
    return this.windows;
  }

  /** One pass: report the dark, then settle what is due. Throws only when the chain or database cannot be read at all. */
  async cycle(): Promise<CycleResult> {
    const windows = await this.loadWindows();
    const block = await this.options.publicClient.getBlock({ blockTag: "latest" });
    await this.scanReports(block.number);
    const { watched, dark, reported } = await this.reportDark(block.timestamp, windows);
    const settled = await this.settleDue(block.timestamp);
    return { block: block.number, watched, dark, reported, settled, open: this.open.size };
  }

  /**
   * Active leases whose renter approved this watcher (ReporterApproved, as indexed), with their
   * provider's last heartbeat. The approval is asked of the chain again before a report.
   */
  private async candidates(): Promise<CandidateRow[]> {
    const { rows } = await this.options.db.query<CandidateRow>(
      `select l.lease_id::text, l.renter, l.provider, l.accepted_at::text, l.ends_at::text,
              floor(extract(epoch from u.last_heartbeat_at))::bigint::text as last_heartbeat
         from lease l
         join reporter_approval a on a.chain_id = l.chain_id and a.renter = l.renter and a.reporter = $2 and a.approved
         left join provider_uptime u on u.chain_id = l.chain_id and u.provider = l.provider
        where l.chain_id = $1 and l.status = 'Active' and l.accepted_at is not null
        order by l.lease_id`,
      [this.options.chainId, this.me.toLowerCase()],
    );
    return rows;
  }

  private async reportDark(chainNow: bigint, windows: { grace: bigint; maxOutageAge: bigint; challengeWindow: bigint }) {
    const rows = await this.candidates();
    const nowSeconds = BigInt(Math.floor((this.options.now?.() ?? Date.now()) / 1000));
    const offlineBefore = nowSeconds - BigInt(Math.ceil(this.options.offlineAfterSeconds));
    // The last sign of life: the last heartbeat, or the accept itself (the agent was up to send it).
    const dark = rows
      .map((row) => {
        const heartbeat = row.last_heartbeat === null ? undefined : BigInt(row.last_heartbeat);
        const acceptedAt = BigInt(row.accepted_at);
        return { row, leaseId: BigInt(row.lease_id), heartbeat, lastAlive: heartbeat !== undefined && heartbeat > acceptedAt ? heartbeat : acceptedAt };
      })
      .filter((c) => c.lastAlive < offlineBefore);
    const approved = new Map<string, boolean>();
    const reported: bigint[] = [];
    for (const c of dark) {
      try {
        const renter = c.row.renter as Address;
        if (!approved.has(renter)) {
          approved.set(renter, await this.options.publicClient.readContract({ ...this.liveness, functionName: "isApprovedReporter", args: [renter, this.me] }));
        }
        if (!approved.get(renter)) continue;
        if (await this.report(c.leaseId, c.lastAlive, c.heartbeat, BigInt(c.row.ends_at), chainNow, windows)) reported.push(c.leaseId);
      } catch (error) {
        this.options.log(`lease ${c.leaseId}: reporting the outage failed, will retry: ${describeTxError(error)}`);
      }
    }
    return { watched: rows.length, dark: dark.length, reported };
  }

  /** Reports one lease unless the chain says it needs no report; true when a report was sent. */
  private async report(
    leaseId: bigint,
    lastAlive: bigint,
    heartbeat: bigint | undefined,
    endsAt: bigint,
    chainNow: bigint,
    windows: { grace: bigint; maxOutageAge: bigint; challengeWindow: bigint },
  ): Promise<boolean> {
    const { publicClient } = this.options;
    const [lease, outage] = await Promise.all([
      publicClient.readContract({ ...this.escrow, functionName: "getLease", args: [leaseId] }),
      publicClient.readContract({ ...this.liveness, functionName: "outage", args: [leaseId] }),
    ]);
    // The index can lag the chain: never report what the chain no longer calls active or already reported.
    if (Number(lease.status) !== LeaseStatus.Active) return false;
    const previous = OUTAGE_STATUS[Number(outage.status)];
    if (previous === "Reported") return false;
    if (previous === "Refuted" && (heartbeat ?? 0n) < outage.refutableUntil - windows.challengeWindow) {
      // The agent proved it is alive after the last report, but no heartbeat has arrived since: its
      // heartbeats are not reaching the web app. Reporting again would only hand it another bond.
      return this.sayOnce(
        leaseId,
        "refuted",
        `lease ${leaseId}: no heartbeat since its provider refuted the last report; not reporting again until heartbeats resume and stop.`,
      );
    }
    // Older than maxOutageAge cannot be reported; claiming a later lastSeen only gives the provider more.
    const oldest = chainNow - windows.maxOutageAge + MAX_AGE_MARGIN_SECONDS;
    const lastSeen = lastAlive > oldest ? lastAlive : oldest;
    const cutoff = lastSeen + windows.grace;
    if (cutoff > chainNow) return false; // still within its grace by the chain's clock; a later cycle reports it
    if (cutoff >= endsAt) {
      return this.sayOnce(leaseId, "ended", `lease ${leaseId}: dark only after its end (cutoff ${cutoff} ≥ end ${endsAt}); nothing to report.`);
    }
    const bond = await publicClient.readContract({ ...this.liveness, functionName: "bondOf", args: [leaseId] });
    if (!(await this.canPay(leaseId, bond))) return false;
    await this.send("reportOutage", [leaseId, lastSeen]);
    this.quiet.delete(leaseId);
    this.options.log(
      `lease ${leaseId}: reported an outage (provider ${lease.provider} last seen ${new Date(Number(lastSeen) * 1000).toISOString()}, cutoff ${cutoff}, bond ${formatUnits(bond, 6)} USDC).`,
    );
    return true;
  }

  private sayOnce(leaseId: bigint, key: string, line: string): false {
    if (this.quiet.get(leaseId) !== key) this.options.log(line);
    this.quiet.set(leaseId, key);
    return false;
  }

  /** Whether the wallet holds the bond, approving the liveness contract to pull bonds when needed. */
  private async canPay(leaseId: bigint, bond: bigint): Promise<boolean> {
    const { publicClient, walletClient } = this.options;
    const token = { address: this.token!, abi: erc20Abi } as const;
    const [balance, allowance] = await Promise.all([
      publicClient.readContract({ ...token, functionName: "balanceOf", args: [this.me] }),
      publicClient.readContract({ ...token, functionName: "allowance", args: [this.me, this.liveness.address] }),
    ]);
    if (balance < bond) {
      this.sayOnce(
        leaseId,
        "funds",
        `lease ${leaseId}: the watcher's wallet ${this.me} holds ${formatUnits(balance, 6)} USDC, less than the ${formatUnits(bond, 6)} USDC bond; fund it to report this outage.`,
      );
      return false;
    }
    if (allowance < bond) {
      // One unlimited approval: the contract only ever pulls a report's bond from its reporter.
      const { request } = await publicClient.simulateContract({
        ...token,
        functionName: "approve",
        args: [this.liveness.address, maxUint256],
        account: walletClient.account,
      });
      await this.confirm(await walletClient.writeContract(request), "approve");
    }
    return true;
  }

  /** Adds every OutageReported since the last scan to the open set. */
  private async scanReports(latest: bigint): Promise<void> {
    while (this.scanFrom <= latest) {
      const toBlock = this.scanFrom + LOG_RANGE - 1n < latest ? this.scanFrom + LOG_RANGE - 1n : latest;
      const logs = await this.options.publicClient.getContractEvents({ ...this.liveness, eventName: "OutageReported", fromBlock: this.scanFrom, toBlock });
      for (const log of logs) this.open.set(log.args.leaseId!, { refutableUntil: log.args.refutableUntil! });
      this.scanFrom = toBlock + 1n;
    }
  }

  /** Settles every open report whose window has passed; drops reports the chain says are resolved. */
  private async settleDue(chainNow: bigint): Promise<bigint[]> {
    const settled: bigint[] = [];
    for (const [leaseId, seen] of [...this.open]) {
      if (seen.refutableUntil >= chainNow) continue; // settleOutage needs now > refutableUntil
      try {
        const outage = await this.options.publicClient.readContract({ ...this.liveness, functionName: "outage", args: [leaseId] });
        const status = OUTAGE_STATUS[Number(outage.status)];
        if (status !== "Reported") {
          this.open.delete(leaseId);
          continue;
        }
        if (outage.refutableUntil >= chainNow) {
          this.open.set(leaseId, { refutableUntil: outage.refutableUntil }); // a newer report than the one scanned
          continue;
        }
        await this.send("settleOutage", [leaseId]);
        this.open.delete(leaseId);
        settled.push(leaseId);
        this.options.log(
          `lease ${leaseId}: settled the outage reported by ${outage.reporter} (the lease closed as ProviderOffline; the renter is refunded from ${outage.cutoff}).`,
        );
      } catch (error) {
        this.options.log(`lease ${leaseId}: settling the outage failed, will retry: ${describeTxError(error)}`);
      }
    }
    return settled;
  }

  private async send(functionName: "reportOutage" | "settleOutage", args: readonly unknown[]): Promise<void> {
    const { publicClient, walletClient } = this.options;
    // Simulated first: a call that would revert fails with the contract's error instead of spending gas.
    const { request } = await publicClient.simulateContract({ ...this.liveness, functionName, args, account: walletClient.account } as never);
    await this.confirm(await walletClient.writeContract(request as never), functionName);
  }

  private async confirm(hash: Hash, what: string): Promise<void> {
    const receipt = await this.options.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${what} reverted (tx ${hash})`);
  }
}
