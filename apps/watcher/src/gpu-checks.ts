import type pg from "pg";
import type { Address, Hex, LocalAccount, PublicClient } from "viem";
import { notifyData } from "@gridlease/db/data-events";
import { RELIABILITY_UPDATE_SQL } from "@gridlease/db/reliability";
import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import {
  challengeAnswerSchema,
  challengeParams,
  checkAnswerShape,
  deriveSeed,
  GPU_CHECK_TYPES,
  gpuCheckOutcomeIndex,
  newCheckId,
  parseFingerprint,
  pickAudited,
  proofOfGpuDomain,
  verifyAudit,
  type Challenge,
  type GpuCheckOutcome,
} from "@gridlease/sdk/proof-of-gpu";

const ZERO32 = `0x${"0".repeat(64)}` as Hex;
/** An audit fetches n² int16 per product; give it time regardless of the deadline (the answer is already committed). */
const AUDIT_TIMEOUT_MS = 120_000;
/** How long to wait for the seed block; a chain without new blocks cannot seed a check, so nothing is recorded. */
const SEED_BLOCK_TIMEOUT_MS = 60_000;

export interface GpuCheckerOptions {
  db: pg.Pool;
  chainId: number;
  publicClient: PublicClient;
  /** The watcher's key: it signs every result (EIP-712 GpuCheck). */
  account: LocalAccount;
  /** The deployment's ProviderRegistry (the EIP-712 domain's verifyingContract, as for heartbeats). */
  registry: Address;
  profile: "gpu" | "local";
  intervalSeconds: number;
  retrySeconds: number;
  perCycle: number;
  marginMs: number;
  log: (line: string) => void;
  /** Audit every product instead of `audited` random ones (tests that plant one wrong element). */
  auditAll?: boolean;
}

/** An active offer of an online provider that is due for a check. */
export interface DueOffer {
  offerId: string;
  provider: string;
  gpuModel: string;
  gpuCount: number;
  url: string | null;
}

export interface GpuCheckRecord {
  checkId: Hex;
  offerId: string;
  provider: string;
  gpuModel: string;
  gpuCount: number;
  seedBlock: bigint;
  seed: Hex;
  matrixSize: number;
  products: number;
  audited: number;
  rounds: number;
  outcome: Exclude<GpuCheckOutcome, "None">;
  reason: string | null;
  elapsedMs: number | null;
  deadlineMs: number;
  commitment: Hex | null;
  signature: Hex;
}

type Verdict = Pick<GpuCheckRecord, "outcome" | "reason" | "elapsedMs" | "commitment"> & { audited?: number };

const errorText = (error: unknown) => {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
};

/**
 * The checker (docs/proof-of-gpu.md): each cycle picks due offers (active offers of online providers
 * with no GPU leased or reserved, whose last check by this watcher is older than the interval, or did not pass and is older than the
 * retry time; never-checked first), seeds one challenge per offer from the first block after it asked,
 * sends each to the provider's registered agent with an abort at deadline + margin, audits the answer
 * (products fetched and checked with Freivalds), and stores the signed result in gpu_check.
 * Checks run one after another so a CPU-bound agent host is never timed while it answers another check.
 */
export class GpuChecker {
  constructor(private readonly options: GpuCheckerOptions) {}

  get address(): Address {
    return this.options.account.address;
  }

  async dueOffers(limit = this.options.perCycle): Promise<DueOffer[]> {
    const { rows } = await this.options.db.query<{ offer_id: string; provider: string; gpu_model: string; gpu_count: number; url: string | null }>(
      `select o.offer_id::text, o.provider, o.gpu_model, o.gpu_count, e.url
         from offer o
         join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider
         left join agent_endpoint e on e.chain_id = o.chain_id and lower(e.provider) = o.provider
         left join lateral (select g.checked_at, g.outcome from gpu_check g
                             where g.chain_id = o.chain_id and g.offer_id = o.offer_id and g.checker = $2
                             order by g.checked_at desc limit 1) c on true
        where o.chain_id = $1 and o.status = 'Active'
          -- GPUs under a lease are the renter's: a challenge would take their compute (and be slowed by it into a false TimedOut).
          and o.free_units = o.gpu_count
          and u.last_heartbeat_at > now() - make_interval(secs => $3)
          and (c.checked_at is null
               or c.checked_at < now() - make_interval(secs => $4)
               or (c.outcome <> 'Passed' and c.checked_at < now() - make_interval(secs => $5)))
        order by c.checked_at asc nulls first, o.offer_id
        limit $6`,
      [this.options.chainId, this.address.toLowerCase(), ONLINE_WINDOW_SECONDS, this.options.intervalSeconds, this.options.retrySeconds, limit],
    );
    return rows.map((r) => ({ offerId: r.offer_id, provider: r.provider, gpuModel: r.gpu_model, gpuCount: r.gpu_count, url: r.url }));
  }

  /** One cycle: the due offers, checked. Never throws for one offer's problem; throws only when the database or chain cannot be read. */
  async cycle(): Promise<GpuCheckRecord[]> {
    const due = await this.dueOffers();
    return due.length ? this.check(due) : [];
  }

  /** Checks `offers`, all seeded from the first block after this call. */
  async check(offers: DueOffer[]): Promise<GpuCheckRecord[]> {
    const checkIds = offers.map(() => newCheckId());
    const { seedBlock, blockHash } = await this.nextBlock();
    const records: GpuCheckRecord[] = [];
    for (const [i, offer] of offers.entries()) {
      try {
        const record = await this.checkOne(offer, checkIds[i]!, seedBlock, blockHash);
        await this.store(record);
        records.push(record);
        this.options.log(
          `GPU check of offer ${offer.offerId} (${offer.gpuCount}× ${offer.gpuModel}, provider ${offer.provider}): ${record.outcome}` +
            `${record.elapsedMs !== null ? ` in ${record.elapsedMs} ms` : ""} (deadline ${record.deadlineMs} ms)${record.reason ? `: ${record.reason}` : ""}.`,
        );
      } catch (error) {
        this.options.log(`GPU check of offer ${offer.offerId} could not be completed, will retry: ${errorText(error)}`);
      }
    }
    return records;
  }

  /** Waits for the first block after now: its hash, unknown when the check was decided, seeds the matrices. */
  private async nextBlock(): Promise<{ seedBlock: bigint; blockHash: Hex }> {
    const { publicClient } = this.options;
    const asked = await publicClient.getBlockNumber({ cacheTime: 0 });
    const until = Date.now() + SEED_BLOCK_TIMEOUT_MS;
    for (;;) {
      const block = await publicClient.getBlock({ blockNumber: asked + 1n }).catch(() => undefined);
      if (block?.hash) return { seedBlock: asked + 1n, blockHash: block.hash };
      if (Date.now() > until) throw new Error(`no block after ${asked} within ${SEED_BLOCK_TIMEOUT_MS / 1000} s to seed the challenge`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Challenges one offer and judges the answer; the record is signed but not stored. */
  async checkOne(offer: DueOffer, checkId: Hex, seedBlock: bigint, blockHash: Hex): Promise<GpuCheckRecord> {
    const params = challengeParams(offer.gpuModel, offer.gpuCount, this.options.profile);
    const seed = deriveSeed(blockHash, checkId);
    const challenge: Challenge = {
      checkId,
      chainId: this.options.chainId,
      seedBlock: Number(seedBlock),
      seed,
      provider: offer.provider,
      offerId: offer.offerId,
      gpuModel: offer.gpuModel,
      gpuCount: offer.gpuCount,
      matrixSize: params.matrixSize,
      products: params.products,
      deadlineMs: params.deadlineMs,
    };
    const verdict = offer.url
      ? await this.challenge(offer.url.replace(/\/+$/, ""), challenge, params)
      : unreachable(`provider ${offer.provider} has registered no agent endpoint`);
    const record: Omit<GpuCheckRecord, "signature"> = {
      checkId,
      offerId: offer.offerId,
      provider: offer.provider,
      gpuModel: offer.gpuModel,
      gpuCount: offer.gpuCount,
      seedBlock,
      seed,
      matrixSize: params.matrixSize,
      products: params.products,
      audited: verdict.audited ?? 0,
      rounds: params.rounds,
      outcome: verdict.outcome,
      reason: verdict.reason,
      elapsedMs: verdict.elapsedMs,
      deadlineMs: params.deadlineMs,
      commitment: verdict.commitment,
    };
    return { ...record, signature: await this.sign(record) };
  }

  private async challenge(url: string, challenge: Challenge, params: ReturnType<typeof challengeParams>): Promise<Verdict> {
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}/pog/v1/challenges`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(challenge),
        // The URL is the provider's to choose; a redirect could point the checker at its own network, and
        // a refusal's text ends up in the public reason. Only the registered URL is ever fetched.
        redirect: "error",
        signal: AbortSignal.timeout(params.deadlineMs + this.options.marginMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError")
        return timedOut(null, `no answer within ${params.deadlineMs + this.options.marginMs} ms (deadline ${params.deadlineMs} ms)`);
      return unreachable(`the agent at ${url} is unreachable (${errorText(error)})`);
    }
    const elapsedMs = Math.round(performance.now() - started);
    let json: { commitment?: unknown } | undefined;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const claimed = typeof json?.commitment === "string" && /^0x[0-9a-fA-F]{64}$/.test(json.commitment) ? (json.commitment.toLowerCase() as Hex) : null;
    // Late is late, whatever came back: an answer (or a refusal) after the deadline proves nothing.
    if (elapsedMs > params.deadlineMs)
      return timedOut(
        elapsedMs,
        `answered ${response.status === 200 ? "" : `(${response.status}) `}in ${elapsedMs} ms, after the ${params.deadlineMs} ms deadline`,
        claimed,
      );
    if (!response.ok) return unreachable(`the agent at ${url} refused the challenge: ${response.status} ${text.slice(0, 200)}`);
    const parsed = challengeAnswerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return failed(elapsedMs, claimed, `the answer is not a ChallengeAnswer (${issue.path.join(".") || "body"}: ${issue.message})`);
    }
    const answer = parsed.data;
    const commitment = answer.commitment.toLowerCase() as Hex;
    const shape = checkAnswerShape(challenge, answer);
    if (shape) return failed(elapsedMs, commitment, shape);
    const picks = this.options.auditAll ? [...Array(params.products).keys()] : pickAudited(params.products, params.audited);
    for (const j of picks) {
      const problem = await this.audit(url, challenge, j, parseFingerprint(answer.fingerprints[j]!), params.rounds);
      if (problem) return { ...failed(elapsedMs, commitment, problem), audited: picks.length };
    }
    return { outcome: "Passed", reason: null, elapsedMs, commitment, audited: picks.length };
  }

  /** Fetches C_j and checks it against its fingerprint and with Freivalds; a sentence when it fails. */
  private async audit(url: string, challenge: Challenge, j: number, fingerprint: number, rounds: number): Promise<string | undefined> {
    const n = challenge.matrixSize;
    let bytes: Uint8Array;
    try {
      const response = await fetch(`${url}/pog/v1/challenges/${challenge.checkId}/products/${j}`, {
        redirect: "error",
        signal: AbortSignal.timeout(AUDIT_TIMEOUT_MS),
      });
      if (!response.ok) return `product ${j}: the agent would not serve it for the audit (${response.status} ${(await response.text()).slice(0, 200)})`;
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      return `product ${j}: it could not be fetched for the audit (${errorText(error)})`;
    }
    const result = verifyAudit({ seed: challenge.seed as Hex, j, n, bytes, fingerprint, rounds });
    return result.ok ? undefined : result.reason;
  }

  private async sign(record: Omit<GpuCheckRecord, "signature">): Promise<Hex> {
    return this.options.account.signTypedData({
      domain: proofOfGpuDomain({ chainId: this.options.chainId, registry: this.options.registry }),
      types: GPU_CHECK_TYPES,
      primaryType: "GpuCheck",
      message: gpuCheckMessage(record),
    });
  }

  /** Inserts the row (and the provider's reliability after a failure) and tells the web processes (notifyData in the same transaction: delivered only on commit). */
  private async store(record: GpuCheckRecord): Promise<void> {
    const client = await this.options.db.connect();
    try {
      await client.query("begin");
      await client.query(
        `insert into gpu_check (chain_id, check_id, provider, offer_id, gpu_model, gpu_count, checker, seed_block, seed, matrix_size, products,
                                audited, rounds, outcome, reason, elapsed_ms, deadline_ms, commitment, signature)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          this.options.chainId,
          record.checkId,
          record.provider.toLowerCase(),
          record.offerId,
          record.gpuModel,
          record.gpuCount,
          this.address.toLowerCase(),
          record.seedBlock.toString(),
          record.seed,
          record.matrixSize,
          record.products,
          record.audited,
          record.rounds,
          record.outcome,
          record.reason,
          record.elapsedMs,
          record.deadlineMs,
          record.commitment,
          record.signature,
        ],
      );
      // A failed or timed-out check counts against the provider's reliability (packages/db/src/reliability.ts).
      if (record.outcome === "Failed" || record.outcome === "TimedOut")
        await client.query(RELIABILITY_UPDATE_SQL, [this.options.chainId, [record.provider.toLowerCase()]]);
      await notifyData(client, { chainId: this.options.chainId, source: "gpu-check", block: null, dataChanged: true });
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** The EIP-712 GpuCheck message of a record (what the signature covers; the web shows rows as evidence with it). */
export function gpuCheckMessage(record: Omit<GpuCheckRecord, "signature">) {
  return {
    checkId: record.checkId,
    provider: record.provider as Address,
    offerId: BigInt(record.offerId),
    gpuModel: record.gpuModel,
    gpuCount: record.gpuCount,
    seed: record.seed,
    outcome: gpuCheckOutcomeIndex(record.outcome),
    elapsedMs: record.elapsedMs ?? 0,
    deadlineMs: record.deadlineMs,
    commitment: record.commitment ?? ZERO32,
  };
}

const unreachable = (reason: string): Verdict => ({ outcome: "Unreachable", reason, elapsedMs: null, commitment: null });
const timedOut = (elapsedMs: number | null, reason: string, commitment: Hex | null = null): Verdict => ({ outcome: "TimedOut", reason, elapsedMs, commitment });
const failed = (elapsedMs: number, commitment: Hex | null, reason: string): Verdict => ({ outcome: "Failed", reason, elapsedMs, commitment });
