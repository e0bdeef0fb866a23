import { getPool } from "@gridlease/db/client";
import { heartbeatDomain, HEARTBEAT_TYPES } from "@gridlease/sdk/heartbeat";
import { clearSearchCaches } from "@gridlease/db/search";
import fc from "fast-check";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as heartbeats from "@/app/api/heartbeats/route";
import * as leases from "@/app/api/leases/route";
import * as offerById from "@/app/api/offers/[id]/route";
import * as offers from "@/app/api/offers/route";
import * as providers from "@/app/api/providers/[address]/route";
import * as stats from "@/app/api/stats/route";
import { PEER_ADDRESS_HEADER } from "./rate-limit";
import { startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "@/test/route-harness";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
let database: Awaited<ReturnType<typeof startMarketDatabase>>;

beforeAll(async () => {
  database = await startMarketDatabase(2_000, 0.1, "gridlease-api-");
  // The indexer is the only writer in production; here a provider row stands in for a registered heartbeat signer.
  await getPool().query(
    `insert into provider select chain_id, $1, status, stake, pending_unstake, unstake_available_at, total_slashed, encryption_key,
       metadata_uri, registered_block, 0, 0, 0, 0, 0, 0, 0, 0, earnings_net, 0, updated_block, finalized
     from provider where chain_id = $2 limit 1`,
    [provider.address.toLowerCase(), CHAIN_ID],
  );
});

afterAll(async () => {
  await database?.stop();
});

const ctx = <P>(params: P) => ({ params: Promise.resolve(params) });
// Each request from another client, as the production server stamps the connected peer (http/dispatch.ts).
const get = (url: string) =>
  new Request(`http://127.0.0.1:3000${url}`, {
    headers: { [PEER_ADDRESS_HEADER]: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
  });

describe("GET /api/offers", () => {
  it("filters, sorts and pages through every match exactly once", async () => {
    clearSearchCaches();
    const seen = new Set<string>();
    let cursor: string | null = null;
    let previous = -1;
    let total = 0;
    do {
      const response = await offers.GET(
        get(`/api/offers?gpu=H100-SXM,A100-SXM-80G&minGpus=2&sort=price&limit=50${cursor ? `&cursor=${cursor}` : ""}`),
        ctx({}),
      );
      expect(response.status).toBe(200);
      const body = await response.json();
      total = body.total;
      for (const offer of body.offers) {
        expect(["H100-SXM", "A100-SXM-80G"]).toContain(offer.gpuModel);
        expect(offer.gpuCount).toBeGreaterThanOrEqual(2);
        expect(Number(offer.pricePerGpuHour)).toBeGreaterThanOrEqual(previous);
        previous = Number(offer.pricePerGpuHour);
        expect(seen.has(offer.offerId)).toBe(false);
        seen.add(offer.offerId);
      }
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(total);
    expect(total).toBeGreaterThan(50);
  });

  it("returns facets and explains an empty result", async () => {
    const response = await offers.GET(get("/api/offers?gpu=RTX3090&maxPricePerGpuHour=0.01&region=eu-west"), ctx({}));
    const body = await response.json();
    expect(body.total).toBe(0);
    expect(body.whyNothing.mostExcludingFilter).toBe("maxPricePerGpuHour");
    expect(body.whyNothing.wouldAddBack[0].offers).toBeGreaterThan(0);
    expect(body.facets.gpuModel.find((f: { value: string }) => f.value === "RTX3090")).toBeUndefined();
  });

  it("reuses an answer until the indexer records changed data, then shows the new data", async () => {
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
       values ($1, '0x01', '0x02', 1, '0xaa', 100, '0xbb', 90)
       on conflict (chain_id) do update set block_number = 100, block_hash = '0xbb', data_version = 1`,
      [CHAIN_ID],
    );
    await new Promise((r) => setTimeout(r, 250)); // past the version check window
    const url = "/api/offers?gpu=RTX4090&sort=price&limit=5";
    const first = await offers.GET(get(url), ctx({}));
    expect(first.headers.get("x-search-cache")).toBe("miss");
    const before = await first.json();
    // Same query spelled differently: same normalized key, served from the cache.
    const again = await offers.GET(get("/api/offers?limit=5&sort=price&gpu=RTX4090"), ctx({}));
    expect(again.headers.get("x-search-cache")).toBe("hit");
    expect(await again.json()).toEqual(before);

    // Empty blocks move the cursor but not its data version: answers stay cached.
    await getPool().query(`update indexer_cursor set block_number = 101, block_hash = '0xcc' where chain_id = $1`, [CHAIN_ID]);
    await new Promise((r) => setTimeout(r, 250));
    expect((await offers.GET(get(url), ctx({}))).headers.get("x-search-cache")).toBe("hit");

    // What the indexer does for a PriceUpdated event: the offer row changes and, in the same transaction,
    // the cursor advances with a new data version (apps/indexer/src/store.ts, writeBatch).
    const cheapest = await getPool().query<{ offer_id: string }>(
      `select offer_id::text from offer where chain_id = $1 and gpu_model = 'RTX4090' and status = 'Active' order by price_per_gpu_hour desc limit 1`,
      [CHAIN_ID],
    );
    const repriced = cheapest.rows[0]!.offer_id;
    await getPool().query(`update offer set price_per_gpu_hour = 1 where chain_id = $1 and offer_id = $2`, [CHAIN_ID, repriced]);
    await getPool().query(`update indexer_cursor set block_number = 102, block_hash = '0xdd', data_version = data_version + 1 where chain_id = $1`, [CHAIN_ID]);
    await new Promise((r) => setTimeout(r, 250));
    const after = await offers.GET(get(url), ctx({}));
    expect(after.headers.get("x-search-cache")).toBe("miss");
    const body = await after.json();
    expect(body.offers[0].offerId).toBe(repriced);
    expect(body.offers[0].pricePerGpuHour).toBe("1");
    expect(before.offers.map((o: { offerId: string }) => o.offerId)).not.toContain(repriced);
  });

  it("lists only online providers' offers unless online=any, marks each, and counts what it lists", async () => {
    const {
      rows: [market],
    } = await getPool().query<{ online: number; all: number }>(
      `select count(*) filter (where u.last_heartbeat_at >= now() - interval '120 seconds')::int as online, count(*)::int as all
       from offer o left join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider
       where o.chain_id = $1 and o.status = 'Active' and o.gpu_model = 'L4' and o.region = 'eu-west'`,
      [CHAIN_ID],
    );
    expect(market!.online).toBeGreaterThan(0);
    expect(market!.online).toBeLessThan(market!.all);
    const onlineOnly = await (await offers.GET(get("/api/offers?gpu=L4&region=eu-west&limit=100"), ctx({}))).json();
    expect(onlineOnly.total).toBe(market!.online);
    expect(onlineOnly.offers).toHaveLength(market!.online);
    expect(onlineOnly.offers.every((o: { providerOnline: boolean }) => o.providerOnline)).toBe(true);
    expect(onlineOnly.facets.gpuModel.find((f: { value: string }) => f.value === "L4").count).toBe(market!.online);
    const any = await (await offers.GET(get("/api/offers?gpu=L4&region=eu-west&limit=100&online=any"), ctx({}))).json();
    expect(any.total).toBe(market!.all);
    expect(any.offers.filter((o: { providerOnline: boolean }) => !o.providerOnline)).toHaveLength(market!.all - market!.online);
    const bad = await offers.GET(get("/api/offers?online=maybe"), ctx({}));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe("online");
  });

  it("answers 400 naming the field for bad queries", async () => {
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["sort=cheapest", "sort"],
      ["maxPricePerGpuHour=abc", "maxPricePerGpuHour"],
      ["colour=red", "colour"],
      ["cursor=%21%21", "cursor"],
      ["maxSettledOutages=-1", "maxSettledOutages"],
      ["maxSettledOutages=1.5", "maxSettledOutages"],
      [`sort=sla&cursor=${Buffer.from(JSON.stringify(["sla", "99999999999", "1"])).toString("base64url")}`, "cursor"],
    ] as const) {
      const response = await offers.GET(get(`/api/offers?${query}`), ctx({}));
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.field).toBe(field);
    }
    const wrongSort = await offers.GET(get(`/api/offers?sort=vram&cursor=${Buffer.from(JSON.stringify(["price", "1", "1"])).toString("base64url")}`), ctx({}));
    expect(wrongSort.status).toBe(400);
  });

  it("random query strings give 200 or 400, never 500", async () => {
    const keys = [
      "gpu",
      "region",
      "minGpus",
      "minVramGb",
      "minRamGb",
      "maxPricePerGpuHour",
      "minReliability",
      "availableNow",
      "online",
      "maxSettledOutages",
      "sort",
      "limit",
      "cursor",
      "chainId",
      "x",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(...keys),
            fc.oneof(
              fc.string(),
              fc.integer().map(String),
              fc.double().map(String),
              fc.constantFrom("price", "vram", "sla", "true", "H100-SXM", "-1", "1e309"),
            ),
          ),
          { maxLength: 6 },
        ),
        async (pairs) => {
          const params = new URLSearchParams(pairs);
          const response = await offers.GET(get(`/api/offers?${params}`), ctx({}));
          expect([200, 400]).toContain(response.status);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("detail routes", () => {
  it("GET /api/offers/{id} and /api/providers/{address} answer 200, 404 and 400", async () => {
    const ok = await offerById.GET(get("/api/offers/1"), ctx({ id: "1" }));
    expect(ok.status).toBe(200);
    const offer = await ok.json();
    expect(offer.offerId).toBe("1");
    expect(offer.provider.address).toMatch(/^0xfeed/);
    expect((await offerById.GET(get("/api/offers/999999"), ctx({ id: "999999" }))).status).toBe(404);
    expect((await offerById.GET(get("/api/offers/abc"), ctx({ id: "abc" }))).status).toBe(400);
    const p = await providers.GET(get(`/api/providers/${offer.provider.address}`), ctx({ address: offer.provider.address }));
    expect(p.status).toBe(200);
    expect((await p.json()).offers.length).toBeGreaterThan(0);
    expect((await providers.GET(get("/api/providers/0x12"), ctx({ address: "0x12" }))).status).toBe(400);
  });

  it("GET /api/leases needs an address and GET /api/stats sums the market", async () => {
    expect((await leases.GET(get("/api/leases"), ctx({}))).status).toBe(400);
    const list = await leases.GET(get(`/api/leases?renter=${provider.address}`), ctx({}));
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ leases: [], nextCursor: null });
    const body = await (await stats.GET(get("/api/stats"), ctx({}))).json();
    expect(body.offers.active).toBe(2_000);
    expect(body.models.reduce((sum: number, m: { offers: number }) => sum + m.offers, 0)).toBe(2_000);
  });
});

describe("every read route", () => {
  it("answers random parameters with 200, 400 or 404, never 500", async () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom(
        `0x${"ab".repeat(20)}`,
        "1",
        "0",
        "-5",
        "1e99",
        "Active",
        "%00",
        "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        fc.array(fc.tuple(fc.constantFrom("renter", "provider", "status", "limit", "cursor", "chainId", "zzz"), text), { maxLength: 4 }),
        async (id, address, pairs) => {
          const query = new URLSearchParams(pairs).toString();
          const responses = await Promise.all([
            offerById.GET(get(`/api/offers/x?${query}`), ctx({ id })),
            providers.GET(get(`/api/providers/x?${query}`), ctx({ address })),
            leases.GET(get(`/api/leases?${query}`), ctx({})),
            stats.GET(get(`/api/stats?${query}`), ctx({})),
          ]);
          for (const response of responses) expect([200, 400, 404]).toContain(response.status);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe("POST /api/heartbeats", () => {
  // The registry of the deployment the index mirrors is the heartbeat domain's verifyingContract.
  const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  beforeAll(async () => {
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
       values ($1, $2, '0x02', 1, '0xaa', 100, '0xbb', 90) on conflict (chain_id) do update set registry_address = $2`,
      [CHAIN_ID, registry.toLowerCase()],
    );
  });
  async function signed(timestamp = Math.floor(Date.now() / 1000), signer = provider) {
    const message = { provider: provider.address, timestamp: BigInt(timestamp), offerIds: [] };
    const signature = await signer.signTypedData({
      domain: heartbeatDomain({ chainId: CHAIN_ID, registry }),
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message,
    });
    return { provider: provider.address, timestamp, offerIds: [], chainId: CHAIN_ID, signature };
  }
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    heartbeats.POST(
      new Request("http://127.0.0.1:3000/api/heartbeats", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers }),
      ctx({}),
    );

  it("accepts a fresh signed heartbeat and derives uptime and reliability", async () => {
    const response = await post(await signed());
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body.uptime24h).toBe(1);
    const { rows } = await getPool().query("select reliability from provider where chain_id = $1 and address = $2", [CHAIN_ID, provider.address.toLowerCase()]);
    expect(rows[0].reliability).toBeGreaterThan(50);
  });

  it("moves last seen with every beat, also beats in an already counted slot", async () => {
    const t = Math.floor(Date.now() / 1000);
    // 202 when it opens a new slot, 200 when the slot is already counted: both move last seen.
    expect([200, 202]).toContain((await post(await signed(t - 2))).status);
    const later = await (await post(await signed(t))).json();
    expect(later.lastHeartbeatAt).toBe(new Date(t * 1000).toISOString());
    const summary = await (await providers.GET(get(`/api/providers/${provider.address}`), ctx({ address: provider.address }))).json();
    expect(summary).toMatchObject({ lastHeartbeatAt: new Date(t * 1000).toISOString(), online: true });
  });

  it("refuses stale, forged, unknown-provider and cross-site heartbeats", async () => {
    expect((await post(await signed(Math.floor(Date.now() / 1000) - 3600))).status).toBe(400);
    const forged = await signed(undefined, privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"));
    expect((await post(forged)).status).toBe(401);
    expect((await post(await signed(), { origin: "https://evil.example" })).status).toBe(403);
  });

  it("random bodies give 4xx, never 500", async () => {
    const valid = await signed();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.record(
            { provider: fc.string(), timestamp: fc.anything(), offerIds: fc.anything(), chainId: fc.anything(), signature: fc.string() },
            { requiredKeys: [] },
          ),
          fc.constant({ ...valid, offerIds: "1" }),
        ),
        async (body) => {
          const response = await post(body);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  });
});
