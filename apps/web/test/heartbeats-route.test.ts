import { getPool } from "@gridlease/db/client";
import { searchDataVersion } from "@gridlease/db/search";
import { HEARTBEAT_MAX_OFFER_IDS, HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as heartbeats from "@/app/api/heartbeats/route";
import { call, seedDeploymentAndProvider, startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "./route-harness";

/** POST /api/heartbeats through the real route module and a real PostgreSQL (issue 10, M2). */
const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
let database: Awaited<ReturnType<typeof startMarketDatabase>>;
let ownOffer: string;
let foreignOffer: string;

beforeAll(async () => {
  database = await startMarketDatabase(300, 0.4, "gridlease-heartbeats-");
  const db = getPool();
  // The indexer writes these in production: the deployment's cursor, the provider and one offer of its own.
  await seedDeploymentAndProvider(db, REGISTRY, provider.address);
  ownOffer = (
    await db.query<{ id: string }>(
      `insert into offer select chain_id, (select max(offer_id) + 1 from offer), $1, gpu_model, gpu_count, vram_gb, cpu_cores, ram_gb, disk_gb,
       bandwidth_mbps, region, price_per_gpu_hour, price_per_tflop, min_hours, max_hours, status, free_units, listed_block, listed_log_index,
       updated_block, finalized
     from offer where chain_id = $2 limit 1 returning offer_id::text as id`,
      [provider.address.toLowerCase(), CHAIN_ID],
    )
  ).rows[0]!.id;
  foreignOffer = (
    await db.query<{ id: string }>("select offer_id::text as id from offer where chain_id = $1 and provider <> $2 limit 1", [
      CHAIN_ID,
      provider.address.toLowerCase(),
    ])
  ).rows[0]!.id;
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

async function signed(options: { timestamp?: number; offerIds?: string[]; registry?: Address } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const offerIds = options.offerIds ?? [ownOffer];
  const signature = await provider.signTypedData({
    domain: heartbeatDomain({ chainId: CHAIN_ID, registry: options.registry ?? REGISTRY }),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: provider.address, timestamp: BigInt(timestamp), offerIds: offerIds.map(BigInt) },
  });
  return { provider: provider.address, timestamp, offerIds, chainId: CHAIN_ID, signature };
}

async function post(body: unknown) {
  const response = await call(heartbeats.POST, {
    method: "POST",
    path: "/api/heartbeats",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: await response.json() };
}

const storedRows = async () =>
  Number(
    (await getPool().query("select count(*) from provider_heartbeat where chain_id = $1 and provider = $2", [CHAIN_ID, provider.address.toLowerCase()])).rows[0]
      .count,
  );

describe("POST /api/heartbeats", () => {
  it("answers a replayed beat 200 without storing it again or changing the search data version", async () => {
    const beat = await signed();
    const first = await post(beat);
    expect(first).toMatchObject({ status: 202, body: { accepted: true, recorded: true } });
    const rows = await storedRows();
    const version = await searchDataVersion(getPool());
    for (let i = 0; i < 5; i++) {
      const again = await post(beat);
      expect(again).toMatchObject({ status: 200, body: { accepted: true, recorded: false, uptime24h: first.body.uptime24h } });
    }
    expect(await storedRows()).toBe(rows);
    expect(await searchDataVersion(getPool())).toBe(version);
  });

  it("refuses timestamps beyond the clock allowance with 400 naming timestamp", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now + 90, now + 3600, now - 3600]) {
      const answer = await post(await signed({ timestamp }));
      expect(answer).toMatchObject({ status: 400, body: { error: { field: "timestamp" } } });
    }
  });

  it("refuses offer ids that are another provider's, unknown, malformed, repeated or too many, with 400 naming offerIds", async () => {
    const tooMany = Array.from({ length: HEARTBEAT_MAX_OFFER_IDS + 1 }, (_, i) => String(i + 1));
    for (const offerIds of [[foreignOffer], [ownOffer, foreignOffer], ["987654321"]]) {
      expect(await post(await signed({ offerIds }))).toMatchObject({ status: 400, body: { error: { code: "foreign_offer", field: "offerIds" } } });
    }
    const valid = await signed();
    for (const offerIds of [["1.5"], ["-1"], ["01"], [ownOffer, ownOffer], tooMany, [1]]) {
      // The field is `offerIds`, or `offerIds.<index>` for one bad element.
      expect(await post({ ...valid, offerIds })).toMatchObject({ status: 400, body: { error: { field: expect.stringMatching(/^offerIds(\.\d+)?$/) } } });
    }
  });

  it("refuses a signature made for another deployment's registry with 401 naming signature", async () => {
    const elsewhere = await signed({ registry: "0x0000000000000000000000000000000000001234" });
    expect(await post(elsewhere)).toMatchObject({ status: 401, body: { error: { code: "bad_signature", field: "signature" } } });
    // The domain as it was before (no verifyingContract): one signature was valid on every deployment of a chain.
    const beat = await signed();
    const unbound = {
      ...beat,
      signature: (await provider.signTypedData({
        domain: { name: "Gridlease", version: "1", chainId: CHAIN_ID },
        types: HEARTBEAT_TYPES,
        primaryType: "Heartbeat",
        message: { provider: provider.address, timestamp: BigInt(beat.timestamp), offerIds: [BigInt(ownOffer)] },
      })) as Hex,
    };
    expect(await post(unbound)).toMatchObject({ status: 401, body: { error: { field: "signature" } } });
  });

  it("refuses a chain without an indexed deployment with 404 naming chainId", async () => {
    expect(await post({ ...(await signed()), chainId: 8453 })).toMatchObject({ status: 404, body: { error: { field: "chainId" } } });
  });
});
