import { z } from "zod";
import type pg from "pg";
import { getAddress, verifyTypedData, type Address, type Hex } from "viem";
import {
  HEARTBEAT_MAX_AGE_SECONDS,
  HEARTBEAT_MAX_FUTURE_SECONDS,
  HEARTBEAT_MAX_OFFER_IDS,
  HEARTBEAT_TYPES,
  ONLINE_WINDOW_SECONDS,
  heartbeatDomain,
  heartbeatSlot,
} from "@gridlease/sdk/heartbeat";
import { getPool } from "./client";
import { notifyData } from "./data-events";
import { RELIABILITY_UPDATE_SQL } from "./reliability";
import { chainIdField, signatureField, SignedRequestRejected } from "./signed-request";
import { computeUptime, UPTIME_WINDOW_SLOTS, type Uptime } from "./uptime";
import { inTransaction } from "./transaction";

// Uptime lives in uptime.ts (no database client import, so the indexer bundle can use it).
export { computeUptime, UPTIME_SQL, UPTIME_WINDOW_SLOTS, type Uptime } from "./uptime";

/** Offer ids are uint256 on chain but bigint in the index: a larger one cannot be an indexed offer. */
const MAX_INDEXED_OFFER_ID = 2n ** 63n - 1n;

export const heartbeatBodySchema = z
  .object({
    provider: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address"),
    timestamp: z
      .number({ error: "must be unix seconds (a number)" })
      .int("must be whole seconds")
      .positive("must be positive")
      .max(2 ** 40, "is not a plausible unix time"),
    // Canonical decimals (no leading zeros), so two strings cannot name the same offer.
    offerIds: z
      .array(z.string().regex(/^(0|[1-9]\d{0,77})$/, "must be decimal offer ids without leading zeros"), { error: "must be an array of decimal strings" })
      .max(HEARTBEAT_MAX_OFFER_IDS, `at most ${HEARTBEAT_MAX_OFFER_IDS} offer ids`)
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat an offer id"),
    chainId: chainIdField,
    signature: signatureField,
  })
  .strict();

export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;

export class HeartbeatRejected extends SignedRequestRejected {
  override name = "HeartbeatRejected";
}

export interface HeartbeatResult {
  /** false: this provider already had a heartbeat in the beat's slot, so nothing was written. */
  recorded: boolean;
  uptime: Uptime;
}

function checkClock(timestamp: number, now: number) {
  const ahead = timestamp - now / 1000;
  if (ahead > HEARTBEAT_MAX_FUTURE_SECONDS) {
    throw new HeartbeatRejected(
      400,
      "future_heartbeat",
      `timestamp: is ${Math.round(ahead)} s ahead of the server clock (at most ${HEARTBEAT_MAX_FUTURE_SECONDS} s allowed)`,
      "timestamp",
    );
  }
  if (-ahead > HEARTBEAT_MAX_AGE_SECONDS) {
    throw new HeartbeatRejected(
      400,
      "stale_heartbeat",
      `timestamp: is ${Math.round(-ahead)} s old (at most ${HEARTBEAT_MAX_AGE_SECONDS} s allowed)`,
      "timestamp",
    );
  }
}

/** The registry of the deployment the index mirrors on this chain: the heartbeat domain's verifyingContract. */
async function deploymentRegistry(db: pg.Pool, chainId: number): Promise<Address> {
  const cursor = await db.query<{ registry: string }>("select registry_address as registry from indexer_cursor where chain_id = $1", [chainId]);
  if (cursor.rowCount === 0) throw new HeartbeatRejected(404, "unknown_chain", `chainId: no Gridlease deployment is indexed on chain ${chainId}`, "chainId");
  return getAddress(cursor.rows[0]!.registry);
}

async function checkOwnOffers(db: pg.Pool, chainId: number, provider: string, offerIds: string[]) {
  if (offerIds.length === 0) return;
  const indexable = offerIds.filter((id) => BigInt(id) <= MAX_INDEXED_OFFER_ID);
  const own = new Set(
    (
      await db.query<{ id: string }>("select offer_id::text as id from offer where chain_id = $1 and provider = $2 and offer_id = any($3::bigint[])", [
        chainId,
        provider,
        indexable,
      ])
    ).rows.map((r) => r.id),
  );
  const foreign = offerIds.find((id) => !own.has(id));
  if (foreign !== undefined)
    throw new HeartbeatRejected(400, "foreign_offer", `offerIds: offer ${foreign} is not an offer of provider ${provider} on chain ${chainId}`, "offerIds");
}

/**
 * Verifies a signed heartbeat (fresh timestamp, the provider's EIP-712 signature for this chain's
 * deployment, a provider the index knows, its own offers) and stores it if it is the provider's first
 * in its slot: then old rows are pruned and uptime and reliability recomputed. A replay or a further
 * beat in a stored slot adds no row (so it cannot grow the table) and only moves the provider's last
 * seen time, which moves the search data version only when the provider was offline; it is answered
 * with the stored uptime. Throws HeartbeatRejected.
 */
export async function recordHeartbeat(body: HeartbeatBody, now = Date.now(), db: pg.Pool = getPool()): Promise<HeartbeatResult> {
  checkClock(body.timestamp, now);
  const registry = await deploymentRegistry(db, body.chainId);
  const valid = await verifyTypedData({
    address: body.provider as Address,
    domain: heartbeatDomain({ chainId: body.chainId, registry }),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: body.provider as Address, timestamp: BigInt(body.timestamp), offerIds: body.offerIds.map(BigInt) },
    signature: body.signature as Hex,
  }).catch(() => false);
  if (!valid)
    throw new HeartbeatRejected(
      401,
      "bad_signature",
      `signature: is not the provider's EIP-712 signature of this heartbeat for registry ${registry} on chain ${body.chainId}`,
      "signature",
    );
  const provider = body.provider.toLowerCase();
  const known = await db.query("select 1 from provider where chain_id = $1 and address = $2", [body.chainId, provider]);
  if (known.rowCount === 0)
    throw new HeartbeatRejected(404, "unknown_provider", `provider: ${provider} is not a registered provider on chain ${body.chainId}`, "provider");
  await checkOwnOffers(db, body.chainId, provider, body.offerIds);

  const slot = heartbeatSlot(body.timestamp);
  // Last seen: the signed time, but never later than the beat arrived, so a clock ahead of ours
  // cannot buy online time, and a replayed (older) beat cannot move it forward.
  const seenAt = new Date(Math.min(body.timestamp * 1000, now));
  const offlineBefore = new Date(now - ONLINE_WINDOW_SECONDS * 1000);
  return inTransaction(db, async (client): Promise<HeartbeatResult> => {
    // A concurrent beat for the same slot waits on the unique index and then inserts nothing.
    const inserted = await client.query(
      `insert into provider_heartbeat (chain_id, provider, signed_at, slot, offer_ids, signature)
       values ($1, $2, to_timestamp($3), $4, $5, $6) on conflict (chain_id, provider, slot) do nothing`,
      [body.chainId, provider, body.timestamp, slot, body.offerIds, body.signature.toLowerCase()],
    );
    if (inserted.rowCount === 0) {
      // A further beat in a stored slot still moves last seen: one row, one update. It moves the search
      // data version (updated_at) only when it brings an offline provider back online; online to offline
      // needs no write at all (searchDataVersion counts who is online now).
      const stored = await client.query<{ uptime24h: number; uptime7d: number; uptime30d: number; last: Date; revived: boolean }>(
        `update provider_uptime set last_heartbeat_at = greatest(last_heartbeat_at, $3),
           updated_at = case when last_heartbeat_at < $4 and $3 >= $4 then now() else updated_at end
         where chain_id = $1 and provider = $2
         returning uptime_24h as "uptime24h", uptime_7d as "uptime7d", uptime_30d as "uptime30d", last_heartbeat_at as last,
           updated_at = now() as revived`,
        [body.chainId, provider, seenAt, offlineBefore],
      );
      const row = stored.rows[0];
      // Back online moves the search data version: every web process hears of it at commit (data-events.ts).
      if (row?.revived) await notifyData(client, { chainId: body.chainId, source: "heartbeat", block: null, dataChanged: true });
      if (row)
        return {
          recorded: false,
          uptime: { uptime24h: row.uptime24h, uptime7d: row.uptime7d, uptime30d: row.uptime30d, lastHeartbeatAt: row.last.toISOString() },
        };
      throw new Error(`provider_uptime is missing for ${provider} on chain ${body.chainId} although a heartbeat row exists`);
    }
    // Pruned here, per provider, on each new slot: amortised to about one row per insert, through the
    // same index, with no background job. A provider that stops beating keeps at most its last
    // UPTIME_WINDOW_SLOTS rows (about 2 MB), and only registered (staked) providers get rows at all.
    const nowSlot = heartbeatSlot(now / 1000);
    await client.query("delete from provider_heartbeat where chain_id = $1 and provider = $2 and slot <= $3", [
      body.chainId,
      provider,
      nowSlot - UPTIME_WINDOW_SLOTS,
    ]);
    const uptime = await computeUptime(client, body.chainId, provider, now);
    await client.query(
      `insert into provider_uptime (chain_id, provider, first_heartbeat_at, last_heartbeat_at, uptime_24h, uptime_7d, uptime_30d, updated_at, uptime_slot)
       values ($1, $2, $3, $4, $5, $6, $7, now(), $8)
       on conflict (chain_id, provider) do update set first_heartbeat_at = least(provider_uptime.first_heartbeat_at, excluded.first_heartbeat_at),
         last_heartbeat_at = greatest(provider_uptime.last_heartbeat_at, excluded.last_heartbeat_at), uptime_24h = excluded.uptime_24h,
         uptime_7d = excluded.uptime_7d, uptime_30d = excluded.uptime_30d, updated_at = now(), uptime_slot = excluded.uptime_slot`,
      [body.chainId, provider, uptime.firstHeartbeatAt, seenAt.toISOString(), uptime.uptime24h, uptime.uptime7d, uptime.uptime30d, nowSlot],
    );
    await client.query(RELIABILITY_UPDATE_SQL, [body.chainId, [provider]]);
    const last = await client.query<{ last: Date }>("select last_heartbeat_at as last from provider_uptime where chain_id = $1 and provider = $2", [
      body.chainId,
      provider,
    ]);
    // Uptime and reliability moved: every web process's search cache hears of it at commit.
    await notifyData(client, { chainId: body.chainId, source: "heartbeat", block: null, dataChanged: true });
    const { firstHeartbeatAt: _first, ...shown } = uptime;
    return { recorded: true, uptime: { ...shown, lastHeartbeatAt: last.rows[0]!.last.toISOString() } };
  });
}
