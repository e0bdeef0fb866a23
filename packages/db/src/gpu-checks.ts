import { z } from "zod";
import type pg from "pg";
import { getAddress, verifyTypedData, type Hex } from "viem";
import { heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { LOCAL_WATCHER_ACCOUNT_INDEX } from "@gridlease/sdk/liveness";
import { LOCAL_CHAIN_ID, localAccount } from "@gridlease/sdk/local-accounts";
import { GPU_CHECK_FAILURES_TO_FLAG, GPU_CHECK_OUTCOMES, GPU_CHECK_TYPES, GPU_CHECK_VALID_SECONDS } from "@gridlease/sdk/proof-of-gpu";
import { getPool } from "./client";
import { envValue } from "./env";

/**
 * Proof of GPU results (issue 21) as the web shows them: the gpu_check rows the watcher's checker
 * writes (one signed row per finished challenge), read per offer and per provider, and the two
 * verdicts built on them — an offer is *verified* while the latest check by a trusted checker passed
 * within GPU_CHECK_VALID_SECONDS for the offer's current model and count, and a provider is *flagged*
 * when its last GPU_CHECK_FAILURES_TO_FLAG checks (by trusted checkers) all failed to pass.
 *
 * Anyone may run a checker and sign rows, but only trusted checkers' rows earn a badge:
 * TRUSTED_GPU_CHECKERS (comma-separated addresses), on the local chain by default the development
 * watcher's account (what `npm start` runs).
 */

export { GPU_CHECK_FAILURES_TO_FLAG, GPU_CHECK_VALID_SECONDS };

/** TRUSTED_GPU_CHECKERS: comma-separated 0x addresses (lowercased, de-duplicated); empty = unset. */
export const trustedGpuCheckersField = z
  .string()
  .optional()
  .transform((value) => [
    ...new Set(
      (value ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "TRUSTED_GPU_CHECKERS must be comma-separated 0x-prefixed 20-byte addresses"))
      .max(100, "TRUSTED_GPU_CHECKERS: at most 100 addresses"),
  )
  .transform((list) => list.map((address) => address.toLowerCase()));

let localWatcher: string | undefined;

/** The development watcher's address (Hardhat-mnemonic account #90; derived once, derivation costs milliseconds). */
export function localWatcherAddress(): string {
  localWatcher ??= getAddress(localAccount(LOCAL_WATCHER_ACCOUNT_INDEX).address).toLowerCase();
  return localWatcher;
}

const trustedCache = new Map<string, string[]>();

/**
 * The checkers whose results count for badges on `chainId` (lowercase): TRUSTED_GPU_CHECKERS, or on
 * the local chain the development watcher. Elsewhere with nothing configured the list is empty and no
 * offer is verified — a badge must never come from a key anyone can derive. Throws on a malformed value
 * (the web validates it at startup with the same field, lib/server/runtime-config.ts).
 */
export function trustedGpuCheckers(chainId: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = (env === process.env ? envValue("TRUSTED_GPU_CHECKERS") : env.TRUSTED_GPU_CHECKERS) ?? "";
  const key = `${chainId}|${raw}`;
  let list = trustedCache.get(key);
  if (!list) {
    const parsed = trustedGpuCheckersField.safeParse(raw);
    if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? "TRUSTED_GPU_CHECKERS is invalid");
    list = parsed.data.length > 0 ? parsed.data : chainId === LOCAL_CHAIN_ID ? [localWatcherAddress()] : [];
    trustedCache.set(key, list);
  }
  return list;
}

/**
 * SQL (a scalar subquery over the offer row `o`): the time of the check that makes the offer verified,
 * null when it is not. `trusted` is the placeholder of a text[] of lowercase checker addresses. The
 * latest trusted check decides (ties by check id), so one failure after a pass takes the badge away;
 * it must be for the offer's current model and count (an edited offer is no longer what was checked).
 * Served by gpu_check_offer_idx (chain, offer, checked_at desc).
 */
export function verifiedAtSql(trusted: string): string {
  return `(select l.checked_at from (select g.outcome, g.gpu_model, g.gpu_count, g.checked_at from gpu_check g
      where g.chain_id = o.chain_id and g.offer_id = o.offer_id and g.checker = any(${trusted}::text[])
      order by g.checked_at desc, g.check_id desc limit 1) l
    where l.outcome = 'Passed' and l.gpu_model = o.gpu_model and l.gpu_count = o.gpu_count
      and l.checked_at >= now() - interval '${GPU_CHECK_VALID_SECONDS} seconds')`;
}

/**
 * Part of searchDataVersion: the latest insertion number (gpu_check.seq), which moves with every
 * recorded check whatever time it carries; one read of gpu_check_seq_idx. Deleting the newest check
 * would not move it, but nothing deletes checks.
 */
export const GPU_CHECK_VERSION_SQL = `(select coalesce(max(seq), 0)::text from gpu_check)`;

/** The latest trusted check of each offer within the validity window (what the in-memory search needs). */
export interface RecentTrustedCheck {
  offerId: string;
  outcome: string;
  gpuModel: string;
  gpuCount: number;
  /** ms since epoch */
  checkedAt: number;
}

/**
 * Per offer of `chainId`, the latest check by a `trusted` checker if it is within the validity window.
 * An offer is verified exactly when that check passed for its model and count and is still in the
 * window at the time of the question (offer-list.ts withVerified), as verifiedAtSql decides in SQL.
 */
export async function recentTrustedChecks(db: pg.Pool | pg.PoolClient, chainId: number, trusted: string[]): Promise<RecentTrustedCheck[]> {
  if (trusted.length === 0) return [];
  const { rows } = await db.query<string[]>({
    text: `select distinct on (g.offer_id) g.offer_id::text, g.outcome, g.gpu_model, g.gpu_count::text, floor(extract(epoch from g.checked_at) * 1000)::text
           from gpu_check g where g.chain_id = $1 and g.checker = any($2::text[]) and g.checked_at >= now() - interval '${GPU_CHECK_VALID_SECONDS} seconds'
           order by g.offer_id, g.checked_at desc, g.check_id desc`,
    values: [chainId, trusted],
    rowMode: "array",
  });
  return rows.map((r) => ({ offerId: r[0]!, outcome: r[1]!, gpuModel: r[2]!, gpuCount: Number(r[3]), checkedAt: Number(r[4]) }));
}

/** One check as the API and the evidence list show it. */
export interface GpuCheckRecord {
  checkId: string;
  provider: string;
  offerId: string;
  gpuModel: string;
  gpuCount: number;
  checker: string;
  /** Whether `checker` is one of the deployment's trusted checkers (only those count for badges and flags). */
  trusted: boolean;
  seedBlock: string;
  seed: string;
  matrixSize: number;
  products: number;
  audited: number;
  rounds: number;
  outcome: string;
  reason: string | null;
  elapsedMs: number | null;
  deadlineMs: number;
  commitment: string | null;
  signature: string;
  /** ISO time the checker recorded the result (wall clock). */
  checkedAt: string;
}

const CHECK_COLUMNS = `g.check_id as "checkId", g.provider, g.offer_id::text as "offerId", g.gpu_model as "gpuModel", g.gpu_count as "gpuCount",
  g.checker, (g.checker = any($2::text[])) as trusted, g.seed_block::text as "seedBlock", g.seed, g.matrix_size as "matrixSize", g.products,
  g.audited, g.rounds, g.outcome, g.reason, g.elapsed_ms as "elapsedMs", g.deadline_ms as "deadlineMs", g.commitment, g.signature,
  g.checked_at as "checkedAt"`;

const clampLimit = (limit: number) => Math.min(500, Math.max(1, Math.floor(limit)));

function toRecord(row: GpuCheckRecord & { checkedAt: Date | string }): GpuCheckRecord {
  return { ...row, checkedAt: new Date(row.checkedAt).toISOString() };
}

/** The latest checks of one offer, newest first (at most `limit`, 1..500), by any checker (`trusted` says whose count). */
export async function offerCheckHistory(chainId: number, offerId: string, limit = 20, db: pg.Pool = getPool()): Promise<GpuCheckRecord[]> {
  if (!/^\d{1,19}$/.test(offerId)) return [];
  const { rows } = await db.query(
    `select ${CHECK_COLUMNS} from gpu_check g where g.chain_id = $1 and g.offer_id = $3::bigint order by g.checked_at desc, g.check_id desc limit $4`,
    [chainId, trustedGpuCheckers(chainId), offerId, clampLimit(limit)],
  );
  return rows.map(toRecord);
}

/** The latest checks of all of a provider's offers, newest first (at most `limit`, 1..500). */
export async function providerCheckHistory(chainId: number, provider: string, limit = 50, db: pg.Pool = getPool()): Promise<GpuCheckRecord[]> {
  const { rows } = await db.query(
    `select ${CHECK_COLUMNS} from gpu_check g where g.chain_id = $1 and g.provider = $3 order by g.checked_at desc, g.check_id desc limit $4`,
    [chainId, trustedGpuCheckers(chainId), provider.toLowerCase(), clampLimit(limit)],
  );
  return rows.map(toRecord);
}

/** The latest check of each of the given offers (any checker), by offer id. */
export async function latestChecks(chainId: number, offerIds: string[], db: pg.Pool = getPool()): Promise<Map<string, GpuCheckRecord>> {
  const ids = offerIds.filter((id) => /^\d{1,19}$/.test(id));
  if (ids.length === 0) return new Map();
  const { rows } = await db.query(
    `select distinct on (g.offer_id) ${CHECK_COLUMNS} from gpu_check g where g.chain_id = $1 and g.offer_id = any($3::bigint[])
     order by g.offer_id, g.checked_at desc, g.check_id desc`,
    [chainId, trustedGpuCheckers(chainId), ids],
  );
  return new Map(rows.map((row) => [row.offerId as string, toRecord(row)]));
}

/** An offer's badge: the verified model and the time of the check that earned it. */
export interface OfferVerification {
  gpuModel: string;
  gpuCount: number;
  checkedAt: string;
  checkId: string;
}

/** Verified offers among `offerIds` (verifiedAtSql's rule), by offer id; unverified ones are absent. */
export async function offerVerifications(chainId: number, offerIds: string[], db: pg.Pool = getPool()): Promise<Map<string, OfferVerification>> {
  const ids = offerIds.filter((id) => /^\d{1,19}$/.test(id));
  if (ids.length === 0) return new Map();
  const trusted = trustedGpuCheckers(chainId);
  if (trusted.length === 0) return new Map();
  const { rows } = await db.query<{ offerId: string; gpuModel: string; gpuCount: number; checkedAt: Date; checkId: string }>(
    `select o.offer_id::text as "offerId", o.gpu_model as "gpuModel", o.gpu_count as "gpuCount", v.checked_at as "checkedAt", v.check_id as "checkId"
     from offer o cross join lateral (
       select g.outcome, g.gpu_model, g.gpu_count, g.checked_at, g.check_id from gpu_check g
       where g.chain_id = o.chain_id and g.offer_id = o.offer_id and g.checker = any($2::text[])
       order by g.checked_at desc, g.check_id desc limit 1) v
     where o.chain_id = $1 and o.offer_id = any($3::bigint[]) and v.outcome = 'Passed' and v.gpu_model = o.gpu_model
       and v.gpu_count = o.gpu_count and v.checked_at >= now() - interval '${GPU_CHECK_VALID_SECONDS} seconds'`,
    [chainId, trusted, ids],
  );
  return new Map(rows.map((r) => [r.offerId, { gpuModel: r.gpuModel, gpuCount: r.gpuCount, checkedAt: r.checkedAt.toISOString(), checkId: r.checkId }]));
}

/** Whether a provider is flagged, and the failed checks behind it. */
export interface ProviderFlag {
  flagged: boolean;
  /** Consecutive latest trusted checks that did not pass (up to GPU_CHECK_FAILURES_TO_FLAG). */
  failuresInARow: number;
  /** The latest failed check's outcome and reason when flagged. */
  lastOutcome: string | null;
  lastReason: string | null;
}

/**
 * Flagged providers among `providers` (lowercase addresses): those whose last GPU_CHECK_FAILURES_TO_FLAG
 * checks by trusted checkers, across all their offers, all came out anything but Passed. One pass
 * between them clears the flag. A provider with fewer checks than that is not flagged.
 */
export async function flaggedProviders(chainId: number, providers: string[], db: pg.Pool = getPool()): Promise<Map<string, ProviderFlag>> {
  const addresses = [...new Set(providers.map((p) => p.toLowerCase()))];
  const trusted = trustedGpuCheckers(chainId);
  const result = new Map<string, ProviderFlag>();
  if (addresses.length === 0 || trusted.length === 0) return result;
  const { rows } = await db.query<{ provider: string; outcomes: string[]; reasons: (string | null)[] }>(
    `select a.provider, array_agg(c.outcome order by c.checked_at desc, c.check_id desc) as outcomes,
       array_agg(c.reason order by c.checked_at desc, c.check_id desc) as reasons
     from unnest($3::text[]) a(provider) cross join lateral (
       select g.outcome, g.reason, g.checked_at, g.check_id from gpu_check g
       where g.chain_id = $1 and g.provider = a.provider and g.checker = any($2::text[])
       order by g.checked_at desc, g.check_id desc limit $4) c
     group by a.provider`,
    [chainId, trusted, addresses, GPU_CHECK_FAILURES_TO_FLAG],
  );
  for (const row of rows) {
    let failures = 0;
    while (failures < row.outcomes.length && row.outcomes[failures] !== "Passed") failures++;
    const flagged = failures >= GPU_CHECK_FAILURES_TO_FLAG;
    result.set(row.provider, {
      flagged,
      failuresInARow: failures,
      lastOutcome: failures > 0 ? row.outcomes[0]! : null,
      lastReason: failures > 0 ? (row.reasons[0] ?? null) : null,
    });
  }
  return result;
}

/** One provider's flag (not flagged when it has no checks). */
export async function providerFlag(chainId: number, provider: string, db: pg.Pool = getPool()): Promise<ProviderFlag> {
  const flags = await flaggedProviders(chainId, [provider], db);
  return flags.get(provider.toLowerCase()) ?? { flagged: false, failuresInARow: 0, lastOutcome: null, lastReason: null };
}

const ZERO32 = `0x${"0".repeat(64)}` as const;

/**
 * Whether each check's signature is its checker's EIP-712 `GpuCheck` over the row as stored, in this
 * chain's deployment domain (as the watcher signs it: a missing elapsed time is 0, a missing
 * commitment 32 zero bytes). Lets the evidence list say "signature valid" instead of asking readers
 * to trust the database. False for all when the chain has no indexed deployment.
 */
export async function checkSignaturesValid(chainId: number, checks: GpuCheckRecord[], db: pg.Pool = getPool()): Promise<boolean[]> {
  if (checks.length === 0) return [];
  const cursor = await db.query<{ registry: string }>("select registry_address as registry from indexer_cursor where chain_id = $1", [chainId]);
  const registry = cursor.rows[0]?.registry;
  if (!registry) return checks.map(() => false);
  const domain = heartbeatDomain({ chainId, registry: getAddress(registry) });
  return Promise.all(
    checks.map((check) => {
      const outcome = (GPU_CHECK_OUTCOMES as readonly string[]).indexOf(check.outcome);
      if (outcome <= 0 || !/^0x[0-9a-fA-F]{130}$/.test(check.signature)) return false;
      return verifyTypedData({
        address: getAddress(check.checker),
        domain,
        types: GPU_CHECK_TYPES,
        primaryType: "GpuCheck",
        message: {
          checkId: check.checkId as Hex,
          provider: getAddress(check.provider),
          offerId: BigInt(check.offerId),
          gpuModel: check.gpuModel,
          gpuCount: check.gpuCount,
          seed: check.seed as Hex,
          outcome,
          elapsedMs: check.elapsedMs ?? 0,
          deadlineMs: check.deadlineMs,
          commitment: (check.commitment ?? ZERO32) as Hex,
        },
        signature: check.signature as Hex,
      }).catch(() => false);
    }),
  );
}
