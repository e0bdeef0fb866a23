import type pg from "pg";
import { ONLINE_WINDOW_SECONDS, heartbeatSlot } from "@gridlease/sdk/heartbeat";
import { computeUptime } from "./uptime";
import { RELIABILITY_UPDATE_SQL } from "./reliability";
import { inTransaction } from "./transaction";

/**
 * How often the indexer runs refreshSilentUptime. Uptime only changes at 5-minute slot boundaries, so
 * a minute's tick shows a silent provider's missed slot at most a minute late, for one cheap query
 * when nobody is silent.
 */
export const UPTIME_REFRESH_INTERVAL_MS = 60_000;

/**
 * Recomputes uptime and reliability for providers that stopped heartbeating.
 *
 * The heartbeat API recomputes a provider's uptime when a beat opens a new slot, so a provider that
 * stops beating would keep the uptime of its last beat forever. Uptime cannot be computed at read time
 * instead: reliability (half of it 7-day uptime) is stored on the provider row, where search sorts and
 * filters by it through an index. So a periodic job writes it: for each provider that is offline now
 * (no beat in ONLINE_WINDOW_SECONDS: an online one recomputes itself on its next beat), whose values
 * were computed for an earlier slot (uptime_slot), and that still has uptime to lose. Each provider is
 * rewritten at most once per slot, so search's data version moves at most once per slot for it.
 * Imports no database client (the indexer bundles it with its own pool). Returns the providers refreshed.
 */
export async function refreshSilentUptime(db: pg.Pool, chainId: number, now = Date.now()): Promise<{ chainId: number; provider: string }[]> {
  const nowSlot = heartbeatSlot(now / 1000);
  const offlineBefore = new Date(now - ONLINE_WINDOW_SECONDS * 1000);
  const stale = await db.query<{ chainId: number; provider: string }>(
    `select chain_id as "chainId", provider from provider_uptime
     where chain_id = $3 and last_heartbeat_at < $1 and uptime_slot < $2 and (uptime_24h > 0 or uptime_7d > 0 or uptime_30d > 0)
     order by provider`,
    [offlineBefore, nowSlot, chainId],
  );
  for (const { provider } of stale.rows) {
    await inTransaction(db, async (client) => {
      const uptime = await computeUptime(client, chainId, provider, now);
      // A beat that arrived meanwhile (last_heartbeat_at moved) has already recomputed this row.
      const updated = await client.query(
        `update provider_uptime set uptime_24h = $3, uptime_7d = $4, uptime_30d = $5, updated_at = now(), uptime_slot = $7
         where chain_id = $1 and provider = $2 and last_heartbeat_at < $6`,
        [chainId, provider, uptime.uptime24h, uptime.uptime7d, uptime.uptime30d, offlineBefore, nowSlot],
      );
      if (updated.rowCount) await client.query(RELIABILITY_UPDATE_SQL, [chainId, [provider]]);
    });
  }
  return stale.rows;
}
