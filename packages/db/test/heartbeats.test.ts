import { HEARTBEAT_SLOT_SECONDS, HEARTBEAT_TYPES, heartbeatDomain, heartbeatSlot } from "@gridlease/sdk/heartbeat";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { computeUptime, recordHeartbeat, UPTIME_SQL, UPTIME_WINDOW_SLOTS, type HeartbeatBody } from "../src/heartbeats";
import { searchDataVersion } from "../src/search";
import { CHAIN_ID, registerProvider, signedBeat, startHeartbeatDatabase } from "./helpers/heartbeat-database";

const signer = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
const other = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"); // Hardhat #2
let server: Awaited<ReturnType<typeof startHeartbeatDatabase>>;
let ownOffer: string;

beforeAll(async () => {
  server = await startHeartbeatDatabase("gridlease-heartbeats-", { count: 200, seed: 0.7 });
  ownOffer = await registerProvider(signer.address);
  await registerProvider(other.address);
}, 120_000);

afterAll(async () => {
  await closeDatabaseClients();
  await server?.stop();
});

const beat = (timestamp: number, offerIds: string[] = [ownOffer], account = signer): Promise<HeartbeatBody> => signedBeat(account, timestamp, offerIds);

const rowsOf = async (address: string) =>
  Number(
    (await getPool().query("select count(*) from provider_heartbeat where chain_id = $1 and provider = $2", [CHAIN_ID, address.toLowerCase()])).rows[0].count,
  );

describe("recordHeartbeat", () => {
  it("stores one row for 1,000 beats in one slot, each moving only last seen, and only the first moves the search data version", async () => {
    // A slot well in the past: `now` is passed in, so the server clock moves with the beats.
    const slotStart = (heartbeatSlot(Date.now() / 1000) - 100) * HEARTBEAT_SLOT_SECONDS;
    const first = await recordHeartbeat(await beat(slotStart), slotStart * 1000);
    expect(first.recorded).toBe(true);
    const version = await searchDataVersion(getPool());
    let recorded = 0;
    for (let i = 1; i < 1_000; i++) {
      // Every 0.3 s across the slot; offer lists alternate so the signed beats differ.
      const timestamp = slotStart + Math.floor((i * HEARTBEAT_SLOT_SECONDS) / 1_000);
      const result = await recordHeartbeat(await beat(timestamp, i % 2 ? [] : [ownOffer]), timestamp * 1000);
      if (result.recorded) recorded++;
      expect(result.uptime).toEqual({ ...first.uptime, lastHeartbeatAt: new Date(timestamp * 1000).toISOString() });
    }
    expect(recorded).toBe(0);
    expect(await rowsOf(signer.address)).toBe(1);
    expect(await searchDataVersion(getPool())).toBe(version);
  }, 120_000);

  it("answers a replayed beat without a row or a new search data version", async () => {
    const now = Date.now();
    const body = await beat(Math.floor(now / 1000));
    const before = await rowsOf(signer.address);
    expect((await recordHeartbeat(body, now)).recorded).toBe(true);
    const version = await searchDataVersion(getPool());
    const updatedAt = (await getPool().query("select updated_at from provider_uptime where provider = $1", [signer.address.toLowerCase()])).rows[0].updated_at;
    for (let i = 0; i < 20; i++) expect((await recordHeartbeat(body, now + i * 1000)).recorded).toBe(false);
    expect(await rowsOf(signer.address)).toBe(before + 1);
    expect(await searchDataVersion(getPool())).toBe(version);
    expect((await getPool().query("select updated_at from provider_uptime where provider = $1", [signer.address.toLowerCase()])).rows[0].updated_at).toEqual(
      updatedAt,
    );
  });

  it("refuses a beat more than 30 s ahead of the server clock or more than 120 s old, naming timestamp", async () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    for (const timestamp of [t + 31, t + 119, t - 121]) {
      await expect(recordHeartbeat(await beat(timestamp), now)).rejects.toMatchObject({ status: 400, field: "timestamp" });
    }
    expect((await recordHeartbeat(await beat(t + 30), now)).uptime.uptime24h).toBeGreaterThan(0);
  });

  it("refuses offer ids that are not the provider's own indexed offers, naming offerIds", async () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const { rows } = await getPool().query<{ id: string }>("select offer_id::text as id from offer where chain_id = $1 and provider <> $2 limit 1", [
      CHAIN_ID,
      signer.address.toLowerCase(),
    ]);
    for (const offerIds of [[rows[0]!.id], [ownOffer, rows[0]!.id], ["999999999"], [(2n ** 200n).toString()]]) {
      await expect(recordHeartbeat(await beat(t, offerIds), now)).rejects.toMatchObject({ status: 400, field: "offerIds" });
    }
  });

  it("accepts only signatures bound to this deployment's registry, naming signature", async () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const message = { provider: other.address, timestamp: BigInt(t), offerIds: [] as bigint[] };
    const body = (signature: `0x${string}`): HeartbeatBody => ({ provider: other.address, timestamp: t, offerIds: [], chainId: CHAIN_ID, signature });
    // The domain as it was (no verifyingContract: valid on every deployment of the chain) and another registry.
    const unbound = await other.signTypedData({
      domain: { name: "Gridlease", version: "1", chainId: CHAIN_ID },
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message,
    });
    const elsewhere = await other.signTypedData({
      domain: heartbeatDomain({ chainId: CHAIN_ID, registry: "0x0000000000000000000000000000000000001234" }),
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message,
    });
    for (const signature of [unbound, elsewhere]) {
      await expect(recordHeartbeat(body(signature), now)).rejects.toMatchObject({ status: 401, field: "signature" });
    }
    expect(await rowsOf(other.address)).toBe(0);
    expect((await recordHeartbeat(await beat(t, [], other), now)).recorded).toBe(true);
  });
});

describe("uptime", () => {
  it("prunes rows past the 30-day window and reads only the window through the (chain_id, provider, slot) index", async () => {
    const db = getPool();
    const now = Date.now();
    const nowSlot = heartbeatSlot(now / 1000);
    const provider = other.address.toLowerCase();
    // 35 days of slots for this provider, and some for 199 others so the table is not all one provider.
    await db.query(
      `insert into provider_heartbeat (chain_id, provider, signed_at, slot, offer_ids, signature)
       select $1, $2, to_timestamp(s * ${HEARTBEAT_SLOT_SECONDS}), s, '{}', '0x' from generate_series($3::bigint - 10080, $3::bigint - 1) s
       on conflict do nothing`,
      [CHAIN_ID, provider, nowSlot],
    );
    await db.query(
      `insert into provider_heartbeat (chain_id, provider, signed_at, slot, offer_ids, signature)
       select $1, '0x' || lpad(to_hex(p), 40, '0'), to_timestamp(s * ${HEARTBEAT_SLOT_SECONDS}), s, '{}', '0x'
       from generate_series(1, 199) p, generate_series($2::bigint - 2000, $2::bigint - 1) s`,
      [CHAIN_ID, nowSlot],
    );
    await db.query("analyze provider_heartbeat");

    // Rows outside the window do not count: the share is what is stored inside it, counted independently.
    const inside = async (window: number) =>
      (
        await db.query("select count(*)::int as n from provider_heartbeat where chain_id = $1 and provider = $2 and slot > $3", [
          CHAIN_ID,
          provider,
          nowSlot - window,
        ])
      ).rows[0].n / window;
    const uptime = await computeUptime(db, CHAIN_ID, provider, now);
    expect(uptime.uptime30d).toBeCloseTo(await inside(UPTIME_WINDOW_SLOTS), 9);
    expect(uptime.uptime30d).toBeGreaterThan(0.99);
    expect(uptime.uptime24h).toBeCloseTo(await inside(288), 9);

    const {
      rows: [
        {
          "QUERY PLAN": [plan],
        },
      ],
    } = await db.query(`explain (analyze, format json) ${UPTIME_SQL}`, [CHAIN_ID, provider, nowSlot]);
    const scans: { "Node Type": string; "Index Name"?: string; "Index Cond"?: string; "Actual Rows": number; "Relation Name"?: string }[] = [];
    const walk = (node: Record<string, unknown>) => {
      scans.push(node as never);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan.Plan);
    // An Index Scan, or a Bitmap Index Scan under a Bitmap Heap Scan: either way the slot bound is an index condition.
    const indexScan = scans.find((n) => n["Index Name"] === "provider_heartbeat_chain_id_provider_slot_key");
    expect(indexScan?.["Index Cond"]).toMatch(/slot > /);
    expect(scans.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
    const heartbeatRows = scans.find((n) => n["Relation Name"] === "provider_heartbeat")!["Actual Rows"];
    expect(heartbeatRows).toBeLessThanOrEqual(UPTIME_WINDOW_SLOTS);

    // The next new slot prunes what fell out of the window; the first heartbeat ever is remembered.
    const later = now + 2 * HEARTBEAT_SLOT_SECONDS * 1000;
    expect((await recordHeartbeat(await beat(Math.floor(later / 1000), [], other), later)).recorded).toBe(true);
    const old = await db.query("select count(*)::int as n from provider_heartbeat where chain_id = $1 and provider = $2 and slot <= $3", [
      CHAIN_ID,
      provider,
      nowSlot + 2 - UPTIME_WINDOW_SLOTS,
    ]);
    expect(old.rows[0].n).toBe(0);
    expect(await rowsOf(provider)).toBeLessThanOrEqual(UPTIME_WINDOW_SLOTS);
  });
});
