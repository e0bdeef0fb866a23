import { randomBytes } from "node:crypto";
import { getPool } from "@gridlease/db/client";
import { dbEnv } from "@gridlease/db/env";
import { DATA_CHANNEL, listenChannels, type DataEvent, type DataListener } from "@gridlease/db/data-events";
import { clearMarketSummaryCache, prepareSearchSnapshot } from "@gridlease/db/search";
import { offerSearchCache } from "@/lib/api/offer-search-cache";
import { serverSettings } from "./runtime-config";
import { rememberRevoked, SESSION_REVOKED_CHANNEL, useSharedSessionSecret } from "./session";

/**
 * What makes a web process stateless: everything a second process must agree on lives in PostgreSQL
 * (nonces: nonce-store.ts; rate limits: lib/api/rate-limit.ts SharedRateLimiter; sessions: the signing
 * key and revocations here), and news of new data arrives by LISTEN/NOTIFY instead of a poll per process.
 *
 * `startSharedState` runs once per process when the server starts (http/main.ts): it loads the shared
 * session key and the revocations, and starts one listening connection for
 *  - DATA_CHANNEL: the indexer's committed batches (apps/indexer/src/store.ts) and heartbeats. The search
 *    answer cache drops its data version and reads the new one at once, and the offer snapshot applies
 *    the delta for it then (prepareSearchSnapshot), not when the first search after the block asks; answers
 *    are recomputed only if the version moved; the market summaries are dropped;
 *  - SESSION_REVOKED_CHANNEL: sign-outs in other processes, mirrored for decodeSession.
 */
export interface SharedState {
  listener: DataListener;
  /** Notifications handled so far (tests read it). */
  events: () => number;
  stop(): Promise<void>;
}

/** While notifications arrive, the version poll remains only for what nobody announces (a provider going silent). */
const FALLBACK_VERSION_CHECK_MS = 2_000;

const globals = globalThis as typeof globalThis & { __gridleaseSharedState?: Promise<SharedState> };

export function startSharedState(
  databaseUrl = process.env.DATABASE_URL!,
  log: (line: string) => void = (line) => console.log(`[web] ${line}`),
): Promise<SharedState> {
  globals.__gridleaseSharedState ??= start(databaseUrl, log);
  return globals.__gridleaseSharedState;
}

/** The key that signs session cookies when SESSION_SECRET is unset: the first process creates it. */
async function loadSessionSecret(): Promise<Buffer> {
  const result = await getPool().query<{ value: Buffer }>(
    `with created as (insert into web_secret (name, value) values ('session', $1) on conflict (name) do nothing returning value)
     select value from created union all select value from web_secret where name = 'session' limit 1`,
    [randomBytes(32)],
  );
  return result.rows[0]!.value;
}

async function start(databaseUrl: string, log: (line: string) => void): Promise<SharedState> {
  // biome-ignore lint/correctness/useHookAtTopLevel: server code; useSharedSessionSecret is not a React hook
  if (!serverSettings().SESSION_SECRET) useSharedSessionSecret(await loadSessionSecret());
  let events = 0;
  const reloadRevoked = async () => {
    const rows = await getPool().query<{ id: string; expires: string }>(
      "select session_id as id, extract(epoch from expires_at)::bigint::text as expires from web_session_revoked where expires_at > now() order by expires_at",
    );
    for (const row of rows.rows) rememberRevoked(row.id, Number(row.expires));
  };
  await reloadRevoked();
  offerSearchCache.setVersionCheckMs(dbEnv().SEARCH_VERSION_CHECK_MS ?? FALLBACK_VERSION_CHECK_MS);
  const listener = listenChannels(
    databaseUrl,
    [DATA_CHANNEL, SESSION_REVOKED_CHANNEL],
    (channel, payload) => {
      events++;
      if (channel === SESSION_REVOKED_CHANNEL) {
        if (payload === null) return void reloadRevoked().catch((error: unknown) => log(`could not reload revoked sessions: ${String(error)}`));
        try {
          const { id, expiresAt } = JSON.parse(payload) as { id: string; expiresAt: number };
          rememberRevoked(id, expiresAt);
        } catch {
          void reloadRevoked().catch(() => undefined);
        }
        return;
      }
      let event: DataEvent | null = null;
      try {
        event = payload === null ? null : (JSON.parse(payload) as DataEvent);
      } catch {
        event = null;
      }
      // A batch of empty blocks changes nothing search shows: the caches keyed on the version stay.
      if (event && !event.dataChanged) return;
      offerSearchCache.invalidateVersion();
      clearMarketSummaryCache();
      // Read the new version and update the snapshot now; the next searches find it done or under way.
      // A failure is left to the next search, which reads the version and updates the snapshot itself.
      void offerSearchCache
        .currentVersion()
        .then((version) => prepareSearchSnapshot(version))
        .catch(() => undefined);
    },
    log,
  );
  await listener.ready;
  return {
    listener,
    events: () => events,
    async stop() {
      await listener.close();
      globals.__gridleaseSharedState = undefined;
    },
  };
}
