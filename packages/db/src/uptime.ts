import type pg from "pg";
import { HEARTBEAT_SLOT_SECONDS, heartbeatSlot } from "@gridlease/sdk/heartbeat";

/** Uptime windows in slots (HEARTBEAT_SLOT_SECONDS each): 24 h, 7 d, 30 d. The longest bounds what is kept. */
const WINDOW_24H = (24 * 3600) / HEARTBEAT_SLOT_SECONDS;
const WINDOW_7D = (7 * 24 * 3600) / HEARTBEAT_SLOT_SECONDS;
export const UPTIME_WINDOW_SLOTS = (30 * 24 * 3600) / HEARTBEAT_SLOT_SECONDS;

export interface Uptime {
  uptime24h: number;
  uptime7d: number;
  uptime30d: number;
  lastHeartbeatAt: string;
}

/**
 * Slots with a heartbeat in each window, bounded to the longest window so it reads at most
 * UPTIME_WINDOW_SLOTS rows through the (chain_id, provider, slot) unique index. Rows are one per slot,
 * so count(*) counts slots. The first heartbeat ever comes from provider_uptime (rows are pruned).
 * Parameters: $1 chain id, $2 provider, $3 the current slot.
 */
export const UPTIME_SQL = `
select count(*) filter (where hb.slot > $3 - ${WINDOW_24H})::int as "slots24h",
       count(*) filter (where hb.slot > $3 - ${WINDOW_7D})::int as "slots7d",
       count(*)::int as "slots30d",
       least(min(hb.signed_at), (select u.first_heartbeat_at from provider_uptime u where u.chain_id = $1 and u.provider = $2)) as first,
       max(hb.signed_at) as last
from provider_heartbeat hb
where hb.chain_id = $1 and hb.provider = $2 and hb.slot > $3 - ${UPTIME_WINDOW_SLOTS}`;

/**
 * Share of slots with a heartbeat in the last 24 h / 7 d / 30 d. A window counts only from the
 * provider's first heartbeat, so a new provider is not punished for time before it existed.
 */
export async function computeUptime(
  client: pg.PoolClient | pg.Pool,
  chainId: number,
  provider: string,
  now = Date.now(),
): Promise<Uptime & { firstHeartbeatAt: string }> {
  const nowSlot = heartbeatSlot(now / 1000);
  const result = await client.query<{ slots24h: number; slots7d: number; slots30d: number; first: Date | null; last: Date | null }>(UPTIME_SQL, [
    chainId,
    provider,
    nowSlot,
  ]);
  const row = result.rows[0]!;
  // A first beat up to HEARTBEAT_MAX_FUTURE_SECONDS ahead may sit in the next slot: it has still lived one slot.
  const lived = row.first === null ? 0 : Math.max(1, nowSlot - heartbeatSlot(row.first.getTime() / 1000) + 1);
  const share = (slots: number, window: number) => (lived <= 0 ? 0 : Math.min(1, slots / Math.max(1, Math.min(window, lived))));
  return {
    uptime24h: share(row.slots24h, WINDOW_24H),
    uptime7d: share(row.slots7d, WINDOW_7D),
    uptime30d: share(row.slots30d, UPTIME_WINDOW_SLOTS),
    lastHeartbeatAt: (row.last ?? new Date(now)).toISOString(),
    firstHeartbeatAt: (row.first ?? new Date(now)).toISOString(),
  };
}
