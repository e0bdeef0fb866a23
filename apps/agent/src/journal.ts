import { open, readFile, mkdir, rename, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";

/**
 * An append-only JSON-lines log of what the agent did to each lease. The chain says what state a
 * lease is in; the journal remembers the side effects the chain cannot see (an environment was
 * provisioned, an accept transaction was sent), so a restart neither provisions twice nor accepts twice.
 * Every record is fsync'ed before the agent acts on it.
 */
export type JournalRecord =
  | { event: "provision-started"; leaseId: string; gpuIndices: number[] }
  /** The script is run again after a shutdown or crash interrupted it; a second interruption fails the lease. */
  | { event: "provision-resumed"; leaseId: string }
  | { event: "provisioned"; leaseId: string; encryptedAccess: Hex }
  | { event: "provision-failed"; leaseId: string; reason: string }
  | { event: "accept-sent"; leaseId: string; txHash: Hex }
  | { event: "decline-sent"; leaseId: string; txHash: Hex; reason: string }
  | { event: "deprovision-started"; leaseId: string; reason: string }
  | { event: "deprovisioned"; leaseId: string; reason: string }
  | { event: "deprovision-failed"; leaseId: string; reason: string }
  /** An outage report (docs/protocol.md, "Liveness") answered with a liveness proof; the chain keeps the rest. */
  | { event: "outage-refuted"; leaseId: string; txHash: Hex; reportBlock: string; proofBlock: string }
  | { event: "outage-refute-failed"; leaseId: string; reportBlock: string; reason: string }
  /** A step of the container provisioner (issue 16): network, disk, pull, start, exit, grace, removal. */
  | { event: "workload"; leaseId: string; step: WorkloadStep; detail?: string };

export type WorkloadStep = "prepared" | "pull-skipped" | "pulled" | "started" | "exited" | "failed" | "grace-started" | "removed";

export interface LeaseJournalState {
  leaseId: string;
  gpuIndices: number[];
  provisionStarted: boolean;
  provisionResumed: boolean;
  encryptedAccess?: Hex;
  provisionFailure?: string;
  acceptTxHash?: Hex;
  declineTxHash?: Hex;
  deprovisionStarted: boolean;
  deprovisioned: boolean;
  deprovisionFailure?: string;
  /** The last container step journaled, and the end of the export grace once it started (ISO time). */
  workloadStep?: WorkloadStep;
  graceUntil?: string;
}

function emptyState(leaseId: string): LeaseJournalState {
  return { leaseId, gpuIndices: [], provisionStarted: false, provisionResumed: false, deprovisionStarted: false, deprovisioned: false };
}

function apply(state: LeaseJournalState, record: JournalRecord): void {
  switch (record.event) {
    case "provision-started":
      state.provisionStarted = true;
      state.gpuIndices = record.gpuIndices;
      break;
    case "provision-resumed":
      state.provisionResumed = true;
      break;
    case "provisioned":
      state.encryptedAccess = record.encryptedAccess;
      break;
    case "provision-failed":
      state.provisionFailure = record.reason;
      break;
    case "accept-sent":
      state.acceptTxHash = record.txHash;
      break;
    case "decline-sent":
      state.declineTxHash = record.txHash;
      break;
    case "deprovision-started":
      state.deprovisionStarted = true;
      break;
    case "deprovisioned":
      state.deprovisioned = true;
      break;
    case "deprovision-failed":
      state.deprovisionFailure = record.reason;
      break;
    case "workload":
      state.workloadStep = record.step;
      if (record.step === "grace-started") state.graceUntil = record.detail;
      break;
  }
}

export class Journal {
  private readonly leases = new Map<string, LeaseJournalState>();
  private savedScanCheckpoint?: bigint;

  private constructor(
    readonly filePath: string,
    private readonly handle: FileHandle,
  ) {}

  private get checkpointPath(): string {
    return path.join(path.dirname(this.filePath), "scan-checkpoint.json");
  }

  /**
   * The block from which booking events still matter: no lease booked earlier needs work. Lets a
   * restart skip history instead of rescanning from the deployment block.
   */
  async readScanCheckpoint(): Promise<bigint | undefined> {
    try {
      const { block } = JSON.parse(await readFile(this.checkpointPath, "utf8")) as { block: string };
      this.savedScanCheckpoint = BigInt(block);
      return this.savedScanCheckpoint;
    } catch {
      return undefined; // none yet, or unreadable: scanning from the deployment is always safe
    }
  }

  /** Saves the checkpoint when it moved forward; written to a temp file and renamed, so it is never torn. */
  async saveScanCheckpoint(block: bigint): Promise<void> {
    if (this.savedScanCheckpoint !== undefined && block <= this.savedScanCheckpoint) return;
    const temp = `${this.checkpointPath}.tmp`;
    await writeFile(temp, JSON.stringify({ block: block.toString() }), { mode: 0o600 });
    await rename(temp, this.checkpointPath);
    this.savedScanCheckpoint = block;
  }

  static async open(stateDir: string): Promise<Journal> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const filePath = path.join(stateDir, "journal.jsonl");
    const handle = await open(filePath, "a", 0o600);
    const journal = new Journal(filePath, handle);
    const text = await readFile(filePath, "utf8");
    // Start a fresh line after a torn last record so the next record stays parseable.
    if (text.length > 0 && !text.endsWith("\n")) await handle.appendFile("\n");
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let record: JournalRecord & { at?: string };
      try {
        record = JSON.parse(line);
      } catch {
        // Only the last line can be torn (the process died mid-write); its action never started.
        continue;
      }
      apply(journal.stateOf(record.leaseId), record);
    }
    return journal;
  }

  /** The lease's state as recorded; an empty state (never touched) when unknown. */
  stateOf(leaseId: string | bigint): LeaseJournalState {
    const key = leaseId.toString();
    let state = this.leases.get(key);
    if (!state) {
      state = emptyState(key);
      this.leases.set(key, state);
    }
    return state;
  }

  /** Whether any record about the lease was ever written (a lease seen again after a restart). */
  knows(leaseId: string | bigint): boolean {
    const state = this.leases.get(leaseId.toString());
    return !!state && (state.provisionStarted || !!state.declineTxHash || !!state.provisionFailure || state.deprovisionStarted || state.deprovisioned);
  }

  all(): LeaseJournalState[] {
    return [...this.leases.values()];
  }

  /**
   * Updates the in-memory state at once (so concurrent lease work sees, e.g., GPUs as taken before
   * the write finishes), then appends and fsyncs; callers act only after this resolves.
   */
  async record(record: JournalRecord): Promise<void> {
    apply(this.stateOf(record.leaseId), record);
    await this.handle.appendFile(`${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`);
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
