import { z } from "zod";
import type pg from "pg";
import { verifyTypedData, type Address, type Hex } from "viem";
import { getPool } from "./client";
import { RELIABILITY_UPDATE_SQL } from "./reliability";

/** EIP-712 types of a provider heartbeat (docs/protocol.md, "Off-chain heartbeats"). */
export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "provider", type: "address" },
    { name: "timestamp", type: "uint64" },
    { name: "offerIds", type: "uint256[]" },
  ],
} as const;

export function heartbeatDomain(chainId: number) {
  return { name: "Gridlease", version: "1", chainId } as const;
}

/** Heartbeats older or further in the future than this are refused (replays, wrong clocks). */
export const HEARTBEAT_MAX_SKEW_SECONDS = 120;
/** Uptime counts 5-minute slots with at least one heartbeat. */
const SLOT_SECONDS = 300;

export const heartbeatBodySchema = z
  .object({
    provider: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address"),
    timestamp: z.number({ error: "must be unix seconds (a number)" }).int("must be whole seconds").positive("must be positive").max(2 ** 40, "is not a plausible unix time"),
    offerIds: z.array(z.string().regex(/^\d{1,78}$/, "must be decimal offer ids"), { error: "must be an array of decimal strings" }).max(1000, "at most 1000 offer ids"),
    chainId: z.number({ error: "must be a chain id (number)" }).int().positive(),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte 0x-prefixed hex signature"),
  })
  .strict();

export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;

export class HeartbeatRejected extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = "HeartbeatRejected";
  }
}

export interface Uptime {
  uptime24h: number;
  uptime7d: number;
  uptime30d: number;
  lastHeartbeatAt: string;
}

/**
 * Verifies a signed heartbeat (signature by `provider`, fresh timestamp, a provider the index knows),
 * stores it, and recomputes the provider's uptime and reliability. Throws HeartbeatRejected.
 */
export async function recordHeartbeat(body: HeartbeatBody, now = Date.now(), db: pg.Pool = getPool()): Promise<Uptime> {
  const skew = Math.abs(now / 1000 - body.timestamp);
  if (skew > HEARTBEAT_MAX_SKEW_SECONDS) {
    throw new HeartbeatRejected(400, "stale_heartbeat", `timestamp: is ${Math.round(skew)} s away from the server clock (at most ${HEARTBEAT_MAX_SKEW_SECONDS} s allowed)`, "timestamp");
  }
  const valid = await verifyTypedData({
    address: body.provider as Address,
    domain: heartbeatDomain(body.chainId),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: body.provider as Address, timestamp: BigInt(body.timestamp), offerIds: body.offerIds.map(BigInt) },
    signature: body.signature as Hex,
  }).catch(() => false);
  if (!valid) throw new HeartbeatRejected(401, "bad_signature", "signature: is not the provider's EIP-712 signature of this heartbeat", "signature");
  const provider = body.provider.toLowerCase();
  const known = await db.query("select 1 from provider where chain_id = $1 and address = $2", [body.chainId, provider]);
  if (known.rowCount === 0) throw new HeartbeatRejected(404, "unknown_provider", `provider: ${provider} is not a registered provider on chain ${body.chainId}`, "provider");

  const client = await db.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into provider_heartbeat (chain_id, provider, signed_at, offer_ids, signature)
       values ($1, $2, to_timestamp($3), $4, $5) on conflict (chain_id, provider, signed_at) do nothing`,
      [body.chainId, provider, body.timestamp, body.offerIds, body.signature.toLowerCase()]);
    const uptime = await computeUptime(client, body.chainId, provider, now);
    await client.query(
      `insert into provider_uptime (chain_id, provider, last_heartbeat_at, uptime_24h, uptime_7d, uptime_30d, updated_at)
       values ($1, $2, $3, $4, $5, $6, now())
       on conflict (chain_id, provider) do update set last_heartbeat_at = excluded.last_heartbeat_at, uptime_24h = excluded.uptime_24h,
         uptime_7d = excluded.uptime_7d, uptime_30d = excluded.uptime_30d, updated_at = now()`,
      [body.chainId, provider, uptime.lastHeartbeatAt, uptime.uptime24h, uptime.uptime7d, uptime.uptime30d]);
    await client.query(RELIABILITY_UPDATE_SQL, [body.chainId, [provider]]);
    await client.query("commit");
    return uptime;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Share of 5-minute slots with a heartbeat in the last 24 h / 7 d / 30 d. A window counts only
 * from the provider's first heartbeat, so a new provider is not punished for time before it existed.
 */
export async function computeUptime(client: pg.PoolClient | pg.Pool, chainId: number, provider: string, now = Date.now()): Promise<Uptime> {
  const nowSlot = Math.floor(now / 1000 / SLOT_SECONDS);
  const result = await client.query<{ slots24h: number; slots7d: number; slots30d: number; first: string; last: Date }>(
    `select count(distinct s) filter (where s > $3 - 288)::int as "slots24h",
            count(distinct s) filter (where s > $3 - 2016)::int as "slots7d",
            count(distinct s) filter (where s > $3 - 8640)::int as "slots30d",
            min(s)::text as first, max(signed_at) as last
     from (select floor(extract(epoch from signed_at) / ${SLOT_SECONDS})::bigint as s, signed_at
           from provider_heartbeat where chain_id = $1 and provider = $2) hb`,
    [chainId, provider, nowSlot]);
  const row = result.rows[0]!;
  const lived = row.first === null ? 0 : nowSlot - Number(row.first) + 1;
  const share = (slots: number, window: number) => (lived <= 0 ? 0 : Math.min(1, slots / Math.max(1, Math.min(window, lived))));
  return {
    uptime24h: share(row.slots24h, 288),
    uptime7d: share(row.slots7d, 2016),
    uptime30d: share(row.slots30d, 8640),
    lastHeartbeatAt: (row.last ?? new Date(now)).toISOString(),
  };
}
