import { HEARTBEAT_SLOT_SECONDS, ONLINE_WINDOW_SECONDS, isOnline } from "@gridlease/sdk/heartbeat";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { recordHeartbeat, type HeartbeatBody } from "../src/heartbeats";
import { clearSearchCaches, searchDataVersion, searchOffers } from "../src/search";
import { refreshSilentUptime } from "../src/uptime-refresh";
import { CHAIN_ID, registerProvider, signedBeat, startHeartbeatDatabase } from "./helpers/heartbeat-database";

const stopping = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
const live = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"); // Hardhat #2
const offers = new Map<string, string>();
let server: Awaited<ReturnType<typeof startHeartbeatDatabase>>;

const beat = (account: PrivateKeyAccount, timestamp: number): Promise<HeartbeatBody> => signedBeat(account, timestamp, [offers.get(account.address)!]);

/** Beats every 60 s (the agent's interval) from `from` to `to` (unix seconds), each received when signed. */
async function beatEveryMinute(account: PrivateKeyAccount, from: number, to: number) {
  for (let t = from; t <= to; t += 60) await recordHeartbeat(await beat(account, t), t * 1000);
}

const uptimeRow = async (account: PrivateKeyAccount) =>
  (
    await getPool().query<{ uptime24h: number; last: Date; reliability: number }>(
      `select u.uptime_24h as "uptime24h", u.last_heartbeat_at as last, p.reliability from provider_uptime u
     join provider p on p.chain_id = u.chain_id and p.address = u.provider where u.chain_id = $1 and u.provider = $2`,
      [CHAIN_ID, account.address.toLowerCase()],
    )
  ).rows[0]!;

beforeAll(async () => {
  server = await startHeartbeatDatabase("gridlease-online-", { count: 300, seed: 0.2 });
  // Each gets an H200 offer in its own region, Active with every unit free, so searches can single it out.
  for (const account of [stopping, live]) {
    offers.set(account.address, await registerProvider(account.address, { gpuModel: "H200", region: "moon-1", status: "Active", allUnitsFree: true }));
  }
}, 120_000);

afterAll(async () => {
  await closeDatabaseClients();
  await server?.stop();
});

describe("a provider that stops heartbeating", () => {
  it("loses uptime and reliability without any new heartbeat", async () => {
    // An hour of beats that ended two hours ago, then silence.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const start = nowSeconds - 3 * 3600;
    const end = start + 59 * 60; // the 60th beat
    await beatEveryMinute(stopping, start, end);
    const afterLastBeat = await uptimeRow(stopping);
    expect(afterLastBeat.uptime24h).toBe(1);
    expect(afterLastBeat.last.getTime()).toBe(end * 1000);
    expect(isOnline(afterLastBeat.last)).toBe(false);

    const refreshed = await refreshSilentUptime(getPool(), CHAIN_ID, Date.now());
    expect(refreshed).toContainEqual({ chainId: CHAIN_ID, provider: stopping.address.toLowerCase() });
    const now = await uptimeRow(stopping);
    // Lived from the first beat's slot to now; beats in the first hour's slots only.
    const firstSlot = Math.floor(start / HEARTBEAT_SLOT_SECONDS);
    const lived = Math.floor(Date.now() / 1000 / HEARTBEAT_SLOT_SECONDS) - firstSlot + 1;
    const beatSlots = Math.floor(end / HEARTBEAT_SLOT_SECONDS) - firstSlot + 1;
    expect(now.uptime24h).toBeCloseTo(beatSlots / lived, 9);
    expect(now.uptime24h).toBeLessThan(0.4);
    expect(now.reliability).toBeLessThan(afterLastBeat.reliability);
    // Once per slot: a second run in the same slot rewrites nothing.
    expect(await refreshSilentUptime(getPool(), CHAIN_ID, Date.now())).toEqual([]);
  });

  it("leaves a provider that is still beating to its own heartbeats", async () => {
    const t = Math.floor(Date.now() / 1000);
    await recordHeartbeat(await beat(live, t), t * 1000);
    expect(await refreshSilentUptime(getPool(), CHAIN_ID, Date.now())).not.toContainEqual(expect.objectContaining({ provider: live.address.toLowerCase() }));
  });
});

describe("online status in search", () => {
  it("moves last seen on every beat but the search data version only when the provider comes back online", async () => {
    const t = Math.floor(Date.now() / 1000);
    await recordHeartbeat(await beat(live, t), t * 1000);
    const version = await searchDataVersion();
    // Two more beats in the same slot (the agent's 60 s interval, compressed): last seen follows, the version does not.
    const second = await recordHeartbeat(await beat(live, t + 1), (t + 1) * 1000);
    expect(second.uptime.lastHeartbeatAt).toBe(new Date((t + 1) * 1000).toISOString());
    expect((await uptimeRow(live)).last.getTime()).toBe((t + 1) * 1000);
    expect(await searchDataVersion()).toBe(version);
    // A beat signed ahead of our clock counts as seen when it arrived.
    const ahead = await recordHeartbeat(await beat(live, t + 20), (t + 2) * 1000);
    expect(ahead.uptime.lastHeartbeatAt).toBe(new Date((t + 2) * 1000).toISOString());
  });

  it("hides an offline provider's offers by default, shows them with online=any, and counts what it shows", async () => {
    clearSearchCaches();
    const t = Math.floor(Date.now() / 1000);
    await recordHeartbeat(await beat(live, t), t * 1000);
    const liveOffer = offers.get(live.address)!;
    const stoppedOffer = offers.get(stopping.address)!;
    const onlyOnline = await searchOffers({ region: "moon-1", chainId: CHAIN_ID });
    expect(onlyOnline.offers.map((o) => o.offerId)).toEqual([liveOffer]);
    expect(onlyOnline.offers[0]!.providerOnline).toBe(true);
    expect(onlyOnline.total).toBe(1);
    expect(onlyOnline.facets.gpuModel).toEqual([{ value: "H200", count: 1 }]);
    const any = await searchOffers({ region: "moon-1", online: "any", chainId: CHAIN_ID });
    expect(new Set(any.offers.map((o) => o.offerId))).toEqual(new Set([liveOffer, stoppedOffer]));
    expect(any.offers.find((o) => o.offerId === stoppedOffer)!.providerOnline).toBe(false);
    expect(any.total).toBe(2);
    expect(any.facets.gpuModel).toEqual([{ value: "H200", count: 2 }]);
    expect((await searchOffers({ region: "moon-1", availableNow: true, online: "any", chainId: CHAIN_ID })).offers.map((o) => o.offerId)).toEqual([liveOffer]);

    // Totals over the whole market equal the online providers' active offers.
    const {
      rows: [counted],
    } = await getPool().query<{ online: number; all: number }>(
      `select count(*) filter (where u.last_heartbeat_at >= now() - interval '${ONLINE_WINDOW_SECONDS} seconds')::int as online, count(*)::int as all
       from offer o left join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider where o.chain_id = $1 and o.status = 'Active'`,
      [CHAIN_ID],
    );
    expect((await searchOffers({ chainId: CHAIN_ID })).total).toBe(counted!.online);
    expect((await searchOffers({ chainId: CHAIN_ID, online: "any" })).total).toBe(counted!.all);
    expect(counted!.online).toBeLessThan(counted!.all);
  });

  it("drops a provider from search once its last beat is older than the window, with no heartbeat or indexer write", async () => {
    const t = Math.floor(Date.now() / 1000);
    await recordHeartbeat(await beat(live, t), t * 1000);
    const liveOffer = offers.get(live.address)!;
    expect((await searchOffers({ region: "moon-1", chainId: CHAIN_ID })).offers.map((o) => o.offerId)).toEqual([liveOffer]);
    const version = await searchDataVersion();
    // The window passing, without waiting two minutes: last seen moved back by twice the window.
    // updated_at is left alone, so only the count of online providers can tell search.
    await getPool().query(
      `update provider_uptime set last_heartbeat_at = last_heartbeat_at - interval '${2 * ONLINE_WINDOW_SECONDS} seconds' where chain_id = $1 and provider = $2`,
      [CHAIN_ID, live.address.toLowerCase()],
    );
    expect(await searchDataVersion()).not.toBe(version);
    const after = await searchOffers({ region: "moon-1", chainId: CHAIN_ID });
    expect(after.offers).toEqual([]);
    expect(after.total).toBe(0);
    expect(after.whyNothing?.wouldAddBack).toContainEqual({ filter: "online", offers: 2 });

    // Its next beat brings it back, and moves the version even though its slot is already stored.
    const back = await recordHeartbeat(await beat(live, t + 1), (t + 1) * 1000);
    expect(back.recorded).toBe(false);
    expect((await searchOffers({ region: "moon-1", chainId: CHAIN_ID })).offers.map((o) => o.offerId)).toEqual([liveOffer]);
  });
});
