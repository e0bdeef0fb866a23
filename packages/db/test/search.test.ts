import type { OfferHardware } from "@gridlease/sdk/offers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { startTempPostgres } from "../src/embedded";
import { runMigrations } from "../src/migrate";
import { clearSearchCaches, encodeCursor, InvalidCursorError, marketSummary, searchOffers, SEARCH_SORTS, type OfferSearchQueryInput } from "../src/search";
import { usdcToBaseUnits } from "../src/search-query";
import { insertSyntheticOffers } from "../src/synthetic";

const CHAIN_ID = 31337;
let server: Awaited<ReturnType<typeof startTempPostgres>>;

interface Row extends OfferHardware {
  offerId: string;
  gpuModel: string;
  region: string;
  price: bigint;
  pricePerTflop: number;
  freeUnits: number;
  reliability: number;
  online: boolean;
  outagesSettled: number;
}
let all: Row[];

beforeAll(async () => {
  server = await startTempPostgres();
  await runMigrations(server.url);
  process.env.DATABASE_URL = server.url;
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 1_500, seed: 0.3 });
  // A few offers that are not active must never show up.
  await getPool().query("update offer set status = 'Paused' where offer_id % 50 = 0");
  await getPool().query("update offer set status = 'Delisted' where offer_id % 50 = 1");
  // SLA history: most providers never had an outage settled, some one, a few several.
  await getPool().query(
    "update provider set outages_settled = (case when get_byte(decode(substr(address, 41, 2), 'hex'), 0) % 3 = 0 then get_byte(decode(substr(address, 41, 2), 'hex'), 0) % 4 else 0 end)",
  );
  const { rows } = await getPool().query(
    `select o.offer_id::text as "offerId", gpu_model as "gpuModel", region, gpu_count as "gpuCount", vram_gb as "vramGb", cpu_cores as "cpuCores",
       ram_gb::int as "ramGb", disk_gb::int as "diskGb", bandwidth_mbps::int as "bandwidthMbps", price_per_gpu_hour::text as price,
       price_per_tflop as "pricePerTflop", free_units as "freeUnits", p.reliability, p.outages_settled as "outagesSettled",
       coalesce(u.last_heartbeat_at > now(), false) as online
     from offer o join provider p on p.chain_id = o.chain_id and p.address = o.provider
       left join provider_uptime u on u.chain_id = o.chain_id and u.provider = o.provider
     where o.status = 'Active'`,
  );
  // Synthetic providers are online (last seen a year ahead) or an hour silent: both kinds are here.
  expect(rows.some((r) => r.online) && rows.some((r) => !r.online)).toBe(true);
  expect(new Set(rows.map((r) => r.outagesSettled)).size).toBeGreaterThan(2);
  all = rows.map((r) => ({ ...r, price: BigInt(r.price) }));
});

afterAll(async () => {
  await closeDatabaseClients();
  await server?.stop();
});

/** How many rows have each value of `key`. */
function countBy(rows: Row[], key: "gpuModel" | "region"): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r[key]] = (counts[r[key]] ?? 0) + 1;
  return counts;
}

/** The same search, written the obvious way over every active row. */
function bruteForce(q: Record<string, unknown>): Row[] {
  const list = (v: unknown) => (v === undefined ? undefined : String(v).split(","));
  const gpus = list(q.gpu);
  const regions = list(q.region);
  const min = (v: unknown) => (v === undefined ? 0 : Number(v));
  const rows = all.filter(
    (r) =>
      (!gpus || gpus.includes(r.gpuModel)) &&
      (!regions || regions.includes(r.region)) &&
      r.gpuCount >= min(q.minGpus) &&
      r.vramGb >= min(q.minVramGb) &&
      r.ramGb >= min(q.minRamGb) &&
      r.cpuCores >= min(q.minCpuCores) &&
      r.diskGb >= min(q.minDiskGb) &&
      r.bandwidthMbps >= min(q.minBandwidthMbps) &&
      (q.maxPricePerGpuHour === undefined || r.price <= BigInt(usdcToBaseUnits(String(q.maxPricePerGpuHour)))) &&
      r.reliability >= min(q.minReliability) &&
      (!q.availableNow || (r.freeUnits >= Math.max(1, min(q.minGpus)) && r.online)) &&
      (q.online === "any" || r.online) &&
      (q.maxSettledOutages === undefined || r.outagesSettled <= Number(q.maxSettledOutages)),
  );
  const id = (r: Row) => BigInt(r.offerId);
  const cmp = (a: bigint | number, b: bigint | number) => (a < b ? -1 : a > b ? 1 : 0);
  const sorters: Record<string, (a: Row, b: Row) => number> = {
    price: (a, b) => cmp(a.price, b.price) || cmp(id(a), id(b)),
    price_per_tflop: (a, b) => cmp(a.pricePerTflop, b.pricePerTflop) || cmp(id(a), id(b)),
    vram: (a, b) => cmp(b.vramGb, a.vramGb) || cmp(id(b), id(a)),
    reliability: (a, b) => cmp(b.reliability, a.reliability) || cmp(id(b), id(a)),
    newest: (a, b) => cmp(id(b), id(a)),
    sla: (a, b) => cmp(a.outagesSettled, b.outagesSettled) || cmp(id(a), id(b)),
  };
  return rows.sort(sorters[String(q.sort ?? "price")]);
}

async function allPages(query: OfferSearchQueryInput) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let total = 0;
  for (let page = 0; page < 200; page++) {
    const result = await searchOffers({ ...query, cursor });
    total = result.total;
    ids.push(...result.offers.map((o) => o.offerId));
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return { ids, total };
}

const queryArbitrary = fc.record(
  {
    gpu: fc.option(
      fc.subarray(["H100-SXM", "A100-SXM-80G", "RTX4090", "L40S", "T4", "NOPE"], { minLength: 1 }).map((a) => a.join(",")),
      { nil: undefined },
    ),
    region: fc.option(
      fc.subarray(["us-east", "eu-west", "ap-south"], { minLength: 1 }).map((a) => a.join(",")),
      { nil: undefined },
    ),
    minGpus: fc.option(fc.constantFrom(1, 2, 4, 8), { nil: undefined }),
    minVramGb: fc.option(fc.constantFrom(24, 48, 80), { nil: undefined }),
    minRamGb: fc.option(fc.constantFrom(64, 200, 600), { nil: undefined }),
    minCpuCores: fc.option(fc.constantFrom(8, 32, 96), { nil: undefined }),
    minDiskGb: fc.option(fc.constantFrom(500, 2000, 8000), { nil: undefined }),
    minBandwidthMbps: fc.option(fc.constantFrom(1000, 10000), { nil: undefined }),
    maxPricePerGpuHour: fc.option(fc.constantFrom("0.3", "1", "2.5", "0.000001"), { nil: undefined }),
    minReliability: fc.option(fc.constantFrom(50, 80, 95), { nil: undefined }),
    availableNow: fc.option(fc.constant(true), { nil: undefined }),
    online: fc.option(fc.constantFrom("only", "any"), { nil: undefined }),
    maxSettledOutages: fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }),
    sort: fc.constantFrom(...SEARCH_SORTS),
    limit: fc.constantFrom(7, 25, 100),
  },
  { requiredKeys: ["sort", "limit"] },
);

describe("searchOffers", () => {
  it("matches a brute-force filter + sort over every row, across all pages", async () => {
    await fc.assert(
      fc.asyncProperty(queryArbitrary, async (query) => {
        const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
        const expected = bruteForce(clean).map((r) => r.offerId);
        const { ids, total } = await allPages(clean as OfferSearchQueryInput);
        expect(total).toBe(expected.length);
        expect(ids).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it("counts facets per GPU model and region, each ignoring its own filter", async () => {
    clearSearchCaches();
    const result = await searchOffers({ gpu: "H100-SXM", region: "eu-west" });
    const byRegion = countBy(bruteForce({ gpu: "H100-SXM" }), "region");
    const byModel = countBy(bruteForce({ region: "eu-west" }), "gpuModel");
    expect(Object.fromEntries(result.facets.region.map((f) => [f.value, f.count]))).toEqual(byRegion);
    expect(Object.fromEntries(result.facets.gpuModel.map((f) => [f.value, f.count]))).toEqual(byModel);
  });

  it("says which filter excluded the most offers when nothing matches", async () => {
    const result = await searchOffers({ gpu: "T4", minVramGb: 80, region: "eu-west" });
    expect(result.total).toBe(0);
    const why = result.whyNothing!;
    expect(why.totalOffers).toBe(all.length);
    const addBack = Object.fromEntries(why.wouldAddBack.map((w) => [w.filter, w.offers]));
    expect(addBack).toEqual({
      gpu: bruteForce({ minVramGb: 80, region: "eu-west" }).length,
      minVramGb: bruteForce({ gpu: "T4", region: "eu-west" }).length,
      region: 0,
      online: 0,
    });
    expect(addBack.gpu).toBeGreaterThan(addBack.minVramGb!);
    expect(why.mostExcludingFilter).toBe("gpu");
    // When no single filter is to blame, it says so rather than naming one.
    const hopeless = await searchOffers({ gpu: "T4", minVramGb: 80, maxPricePerGpuHour: "0.000001" });
    expect(hopeless.whyNothing!.mostExcludingFilter).toBeNull();
    expect((await searchOffers({ gpu: "H100-SXM" })).whyNothing).toBeNull();
  });

  it("gives facets and why-nothing counts equal to brute force for random filters", async () => {
    await fc.assert(
      fc.asyncProperty(queryArbitrary, async (query) => {
        const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
        const result = await searchOffers(clean as OfferSearchQueryInput);
        // Without the online filter is online=any: leaving the parameter out means "only".
        const without = (key: string) =>
          bruteForce(key === "online" ? { ...clean, online: "any" } : Object.fromEntries(Object.entries(clean).filter(([k]) => k !== key)));
        expect(Object.fromEntries(result.facets.gpuModel.map((f) => [f.value, f.count]))).toEqual(countBy(without("gpu"), "gpuModel"));
        expect(Object.fromEntries(result.facets.region.map((f) => [f.value, f.count]))).toEqual(countBy(without("region"), "region"));
        if (result.whyNothing) {
          for (const { filter, offers } of result.whyNothing.wouldAddBack) {
            // availableNow reads minGpus, so dropping minGpus alone still leaves availableNow's threshold.
            if (filter === "minGpus" && clean.availableNow) continue;
            expect(offers, filter).toBe(without(filter).length);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("recounts when the data version moves, and only then", async () => {
    const before = await searchOffers({ gpu: "L40S" });
    const { rows } = await getPool().query<{ offer_id: string }>(
      "update offer set status = 'Paused' where offer_id = (select min(offer_id) from offer where gpu_model = 'L40S' and status = 'Active') returning offer_id::text",
    );
    try {
      // Same version (no indexer block, no heartbeat): the counts are those of that version.
      expect((await searchOffers({ gpu: "L40S" })).total).toBe(before.total);
      await getPool().query(
        `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
         values ($1, '0x', '0x', 0, '0x0', 1, '0x1', 0)`,
        [CHAIN_ID],
      );
      const after = await searchOffers({ gpu: "L40S" });
      expect(after.total).toBe(before.total - 1);
      expect(after.offers.map((o) => o.offerId)).not.toContain(rows[0]!.offer_id);
    } finally {
      await getPool().query("update offer set status = 'Active' where offer_id = $1", [rows[0]!.offer_id]);
      await getPool().query("delete from indexer_cursor where chain_id = $1", [CHAIN_ID]);
    }
  });

  it("rejects malformed input and foreign cursors", async () => {
    await expect(searchOffers({ limit: 0 })).rejects.toThrow();
    await expect(searchOffers({ sort: "price", cursor: encodeCursor({ sort: "vram", value: "1", offerId: "1" }) })).rejects.toThrow(InvalidCursorError);
    await expect(searchOffers({ cursor: "bm90LWpzb24" })).rejects.toThrow(InvalidCursorError);
  });
});

describe("marketSummary", () => {
  it("gives supply and the median price per GPU model", async () => {
    const summary = await marketSummary(CHAIN_ID);
    const h100 = summary.find((s) => s.gpuModel === "H100-SXM")!;
    const prices = all
      .filter((r) => r.gpuModel === "H100-SXM")
      .map((r) => Number(r.price))
      .sort((a, b) => a - b);
    const mid = prices.length / 2;
    const median = prices.length % 2 ? prices[Math.floor(mid)]! : (prices[mid - 1]! + prices[mid]!) / 2;
    expect(h100.offers).toBe(prices.length);
    expect(Number(h100.medianPricePerGpuHour)).toBe(Math.round(median));
    expect(h100.gpuLabel).toBe("NVIDIA H100 SXM 80GB");
  });
});
