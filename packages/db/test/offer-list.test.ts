import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabaseClients, getPool } from "../src/client";
import { startTempPostgres } from "../src/embedded";
import { runMigrations } from "../src/migrate";
import fc from "fast-check";
import { searchCounts } from "../src/offer-counts";
import { countSnapshot, type SnapshotFilter } from "../src/offer-facets";
import { snapshotBytes, snapshotPage } from "../src/offer-page";
import { PAGE_WALK_TUNING } from "../src/offer-walk";
import {
  clearSearchCaches,
  offerSearchQuerySchema,
  offerSnapshots,
  searchDataVersion,
  searchOffers,
  searchOffersAsJson,
  SEARCH_SORTS,
  sqlMarketSummary,
  type OfferSearchQueryInput,
} from "../src/search";
import { snapshotMarketSummary } from "../src/offer-summary";
import { insertSyntheticOffers } from "../src/synthetic";
import { allPages, expectEverySortEqualsSql, expectSnapshotEqualsSql } from "./search-paths";

const CHAIN_ID = 31337;
let server: Awaited<ReturnType<typeof startTempPostgres>>;

beforeAll(async () => {
  server = await startTempPostgres("gridlease-offer-list-");
  await runMigrations(server.url);
  process.env.DATABASE_URL = server.url;
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 1_200, seed: 0.7 });
  // Many equal sort values, so pages end in the middle of runs of ties: a few prices and TFLOP prices
  // shared by hundreds of offers (reliability and VRAM repeat already), and some not active.
  await getPool().query("update offer set price_per_gpu_hour = 1000000 * (offer_id % 4), price_per_tflop = (offer_id % 3)::float8 / 7 where offer_id % 5 <> 0");
  await getPool().query("update offer set price_per_tflop = 'Infinity' where offer_id % 11 = 0");
  await getPool().query("update offer set status = 'Paused' where offer_id % 40 = 0");
  // SLA history: runs of providers with 0, 1, 2 or 3 settled outages (long runs of ties for the sla sort).
  await getPool().query("update provider set outages_settled = get_byte(decode(substr(address, 41, 2), 'hex'), 0) % 4");
}, 120_000);

afterAll(async () => {
  delete process.env.SEARCH_LIST_SOURCE;
  await closeDatabaseClients();
  await server?.stop();
});

/**
 * The API's JSON of a search (hits written from the snapshot's columns, their text kept per row: offer-json.ts)
 * is the text of the same search's object, at the given data version.
 */
async function expectJsonOfObject(query: OfferSearchQueryInput, version: string) {
  expect(await searchOffersAsJson(query, getPool(), version)).toBe(JSON.stringify(await searchOffers(query, getPool(), version)));
}

/** The id and provider of the active offer listed last. */
async function newestActiveOffer() {
  const { rows } = await getPool().query<{ id: string; provider: string }>(
    "select offer_id::text as id, provider from offer where chain_id = $1 and status = 'Active' order by offer_id desc limit 1",
    [CHAIN_ID],
  );
  return rows[0]!;
}

describe("the offer list from the in-memory snapshot", () => {
  it("answers every filter set, sort key and page exactly as PostgreSQL does, ties included", async () => {
    await expectSnapshotEqualsSql(40);
  }, 240_000);

  it("answers from the snapshot itself, not by falling back to SQL", async () => {
    const version = await searchDataVersion();
    const snapshot = await offerSnapshots.get(getPool(), CHAIN_ID, version);
    expect(snapshot.listable).toBe(true);
    for (const sort of SEARCH_SORTS) expect(snapshotPage(snapshot, sort, [], null, 10)).toHaveLength(10);
    // Arrays (sort orders included) plus provider strings: bounded per offer.
    expect(snapshotBytes(snapshot) / snapshot.size).toBeLessThan(400);
  });

  it("counts a verified search apart from the same search without it (no offer here has a check)", async () => {
    const query = { gpu: "H100-SXM", online: "any", sort: "price", limit: 5 } as const;
    const plain = await searchOffers(query);
    const verified = await searchOffers({ ...query, verified: true });
    expect(plain.total).toBeGreaterThan(0);
    expect(verified.total).toBe(0);
    expect(verified.offers).toEqual([]);
    expect((await searchOffers(query)).total).toBe(plain.total);
  });

  it("continues a PostgreSQL cursor in the snapshot and the other way round", async () => {
    for (const sort of SEARCH_SORTS) {
      const query = offerSearchQuerySchema.parse({ sort, limit: 9, online: "any" });
      process.env.SEARCH_LIST_SOURCE = "sql";
      const first = await searchOffers(query);
      delete process.env.SEARCH_LIST_SOURCE;
      const second = await searchOffers({ ...query, cursor: first.nextCursor! });
      process.env.SEARCH_LIST_SOURCE = "sql";
      const reference = await searchOffers({ ...query, limit: 18 });
      const third = await searchOffers({ ...query, cursor: second.nextCursor! });
      delete process.env.SEARCH_LIST_SOURCE;
      const referenceThird = await searchOffers({ ...query, limit: 27 });
      expect(
        [...first.offers, ...second.offers].map((o) => o.offerId),
        sort,
      ).toEqual(reference.offers.map((o) => o.offerId));
      expect(
        third.offers.map((o) => o.offerId),
        sort,
      ).toEqual(referenceThird.offers.slice(18).map((o) => o.offerId));
    }
  });
});

describe("the offer list walking fixed filters' sub-orders (built after the first walk here)", () => {
  it("answers every filter set, sort key and page exactly as PostgreSQL does", async () => {
    const saved = PAGE_WALK_TUNING.subOrderAfterRows;
    PAGE_WALK_TUNING.subOrderAfterRows = 0;
    try {
      // One fixed filter set asked with other budgets, online and availability after its sub-order was
      // built: those filters must not be baked into it.
      for (const fixed of [{ minVramGb: "48" }, { region: "us-east,eu-west", minGpus: "2" }]) {
        for (const sort of ["price", "newest"] as const) {
          for (const maxPricePerGpuHour of ["1", undefined, "3"]) {
            for (const online of ["only", "any"] as const) {
              for (const availableNow of [true, undefined]) {
                const query = { ...fixed, sort, maxPricePerGpuHour, online, availableNow, limit: 7 };
                expect(
                  (await allPages(query, "snapshot")).map((p) => p.offers),
                  JSON.stringify(query),
                ).toEqual((await allPages(query, "sql")).map((p) => p.offers));
              }
            }
          }
        }
      }
      await expectSnapshotEqualsSql(40);
      await expectEverySortEqualsSql();
    } finally {
      PAGE_WALK_TUNING.subOrderAfterRows = saved;
    }
  }, 240_000);
});

describe("counts for a new budget", () => {
  /** Random filter sets, each with a few budgets: the derived counts equal a full count, every field. */
  async function expectDerivedCountsExact(label: string, minIndexStep?: number) {
    const snapshot = await offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
    const filterSets = fc.record({
      gpu: fc.option(fc.subarray(["H100-SXM", "RTX4090", "L40S", "T4"], { minLength: 1 }), { nil: undefined }),
      region: fc.option(fc.subarray(["us-east", "eu-west"], { minLength: 1 }), { nil: undefined }),
      minVramGb: fc.option(fc.constantFrom(24, 80), { nil: undefined }),
      availableNow: fc.boolean(),
      online: fc.boolean(),
      budgets: fc.array(fc.constantFrom(0n, 1n, 999_999n, 1_000_000n, 1_500_000n, 2_000_000n, 3_000_000n, 10n ** 12n), { minLength: 1, maxLength: 5 }),
    });
    let run = 0;
    await fc.assert(
      fc.property(filterSets, (set) => {
        const others: SnapshotFilter[] = [];
        if (set.gpu) others.push({ key: "gpu", values: set.gpu });
        if (set.region) others.push({ key: "region", values: set.region });
        if (set.minVramGb) others.push({ key: "minVramGb", minimum: set.minVramGb });
        if (set.availableNow) others.push({ key: "availableNow", units: 1 });
        if (set.online) others.push({ key: "online" });
        const budgetless = `${label} ${run++}`;
        // The first (highest) budget leaves most offers within it, so the budget-less counts are computed and kept; the rest derive from them.
        for (const budget of [10n ** 12n, ...set.budgets]) {
          const filters: SnapshotFilter[] = [...others, { key: "maxPricePerGpuHour", budget }];
          expect(searchCounts(snapshot, `${budgetless} ${budget}`, budgetless, filters, minIndexStep)).toEqual(countSnapshot(snapshot, filters));
        }
      }),
      { numRuns: 60 },
    );
  }

  it("equal a full count when derived from the same filters' budget-less counts", async () => {
    await expectDerivedCountsExact("derived");
  });

  it("equal a full count when read from a budget index (checkpoints every 8 offers along the price order)", async () => {
    await expectDerivedCountsExact("indexed", 8);
  });
});

describe("online in the snapshot", () => {
  /** One provider with active offers, its last seen set to `secondsAgo` without touching the data version (as a beat does). */
  async function setLastSeen(provider: string, secondsAgo: number): Promise<void> {
    await getPool().query(`update provider_uptime set last_heartbeat_at = now() - make_interval(secs => $2) where chain_id = $1 and provider = $3`, [
      CHAIN_ID,
      secondsAgo,
      provider,
    ]);
  }

  it("is evaluated at query time: a provider goes offline when its last seen ages past the window, with no data change", async () => {
    clearSearchCaches();
    const { provider } = await newestActiveOffer();
    await setLastSeen(provider, 118.5);
    const version = await searchDataVersion();
    const mine = async () =>
      (await searchOffers({ online: "any", limit: 100, sort: "newest" }, getPool(), version)).offers.filter((o) => o.provider === provider);
    const onlineBefore = await searchOffers({ limit: 1 }, getPool(), version);
    expect((await mine()).every((o) => o.providerOnline)).toBe(true);
    await expectJsonOfObject({ online: "any", limit: 100, sort: "newest" }, version);
    await new Promise((r) => setTimeout(r, 2_000));
    // Same data version (as a cached version read would give): the snapshot was not reloaded.
    const after = await mine();
    await expectJsonOfObject({ online: "any", limit: 100, sort: "newest" }, version);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => !o.providerOnline)).toBe(true);
    const onlineAfter = await searchOffers({ limit: 1 }, getPool(), version);
    expect(onlineAfter.total).toBe(onlineBefore.total - after.length);
  });

  it("needs no reload when the only change is a provider going silent (the online count in the version)", async () => {
    const { rows } = await getPool().query<{ provider: string }>(
      "select provider from offer where chain_id = $1 and status = 'Active' order by offer_id desc offset 40 limit 1",
      [CHAIN_ID],
    );
    const provider = rows[0]!.provider;
    await setLastSeen(provider, 118.5);
    clearSearchCaches();
    const mine = async () =>
      (await searchOffers({ online: "any", limit: 100, sort: "newest", gpu: undefined }, getPool(), await searchDataVersion())).offers.filter(
        (o) => o.provider === provider,
      );
    expect((await mine()).every((o) => o.providerOnline)).toBe(true);
    const before = await searchDataVersion();
    const loads = { ...offerSnapshots.loads };
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await searchDataVersion()).not.toBe(before);
    const after = await mine();
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => !o.providerOnline)).toBe(true);
    expect([offerSnapshots.loads.full, offerSnapshots.loads.providers, offerSnapshots.loads.delta]).toEqual([loads.full, loads.providers, loads.delta]);
  });

  it("follows last seen moved by beats that leave the data version alone", async () => {
    clearSearchCaches();
    const { rows } = await getPool().query<{ provider: string }>(
      `select provider from offer where chain_id = $1 and status = 'Active'
       and provider <> (select provider from offer where chain_id = $1 and status = 'Active' order by offer_id desc limit 1) order by offer_id desc limit 1`,
      [CHAIN_ID],
    );
    const provider = rows[0]!.provider;
    await setLastSeen(provider, 118.5);
    const version = await searchDataVersion();
    const mine = async () =>
      (await searchOffers({ online: "any", limit: 100, sort: "newest" }, getPool(), version)).offers.filter((o) => o.provider === provider);
    expect((await mine()).every((o) => o.providerOnline)).toBe(true);
    await expectJsonOfObject({ online: "any", limit: 100, sort: "newest" }, version);
    await setLastSeen(provider, 0); // a beat: last seen moves, updated_at does not
    await new Promise((r) => setTimeout(r, 2_000));
    const { rows: seen } = await getPool().query<{ last: Date }>(
      "select last_heartbeat_at as last from provider_uptime where chain_id = $1 and provider = $2",
      [CHAIN_ID, provider],
    );
    const after = await mine();
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => o.providerOnline && o.providerLastHeartbeatAt === seen[0]!.last.toISOString())).toBe(true);
    // The rows' kept JSON (from the search before the beat) carries the moved last seen too.
    await expectJsonOfObject({ online: "any", limit: 100, sort: "newest" }, version);
  });
});

describe("snapshot updates", () => {
  it("shows a price change once the indexer's data version moves, and a heartbeat-only change keeps the offer rows", async () => {
    clearSearchCaches();
    const target = (await newestActiveOffer()).id;
    const newest = async () => (await searchOffers({ sort: "newest", limit: 1, online: "any" })).offers[0]!;
    expect((await newest()).offerId).toBe(target);
    await searchOffers({ sort: "reliability", limit: 3 }); // so there is a reliability order to carry over
    const before = await offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
    // An uptime-only change (a heartbeat's updated_at): providers are re-read, the offer rows and their orders kept.
    // As a heartbeat does: the provider's reliability recomputed and its uptime row's updated_at moved, in one transaction.
    await getPool().query(
      `with moved as (update provider_uptime set updated_at = now() + interval '1 second' where chain_id = $1
         and provider = (select min(provider) from provider_uptime where chain_id = $1) returning provider)
       update provider set reliability = 12.5 where chain_id = $1 and address = (select provider from moved)`,
      [CHAIN_ID],
    );
    const providersOnly = await offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
    expect(providersOnly).not.toBe(before);
    expect(providersOnly.offerId).toBe(before.offerId);
    expect(providersOnly.providers).not.toBe(before.providers);
    expect(offerSnapshots.loads.providers).toBeGreaterThan(0);
    await expectEverySortEqualsSql();
    await expectSnapshotEqualsSql(10);
    // A price update, committed with a data version bump as the indexer does.
    await getPool().query("update offer set price_per_gpu_hour = 123457 where chain_id = $1 and offer_id = $2", [CHAIN_ID, target]);
    // No new version yet: the answer is still that of the version it was computed for.
    expect((await newest()).pricePerGpuHour).not.toBe("123457");
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
       values ($1, '0x', '0x', 0, '0x0', 1, '0x1', 0, 1) on conflict (chain_id) do update set data_version = indexer_cursor.data_version + 1`,
      [CHAIN_ID],
    );
    expect((await newest()).pricePerGpuHour).toBe("123457");
    const budget = await searchOffers({ maxPricePerGpuHour: "0.123457", sort: "newest", limit: 1, online: "any" });
    expect(budget.offers[0]!.offerId).toBe(target);
  });
});

describe("values a double cannot hold", () => {
  it("leave the list to PostgreSQL and count prices beyond 2^53 exactly", async () => {
    const { rows } = await getPool().query<{ id: string; price: string }>(
      "select offer_id::text as id, price_per_gpu_hour::text as price from offer where chain_id = $1 and status = 'Active' order by offer_id limit 1",
      [CHAIN_ID],
    );
    await getPool().query("update offer set price_per_gpu_hour = 1152921504606846976 where offer_id = $1", [rows[0]!.id]); // 2^60
    try {
      clearSearchCaches();
      const snapshot = await offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
      expect(snapshot.listable).toBe(false);
      expect(snapshot.largePrices.get(0)).toBe(2n ** 60n);
      const expensive = await searchOffers({ sort: "price", online: "any", limit: 100, maxPricePerGpuHour: "999999999999" });
      expect(expensive.offers.map((o) => o.offerId)).not.toContain(rows[0]!.id);
      await expectSnapshotEqualsSql(5);
    } finally {
      await getPool().query("update offer set price_per_gpu_hour = $2 where offer_id = $1", [rows[0]!.id, rows[0]!.price]);
      clearSearchCaches();
    }
  });
});

describe("the market summary per GPU model", () => {
  it("from the snapshot equals PostgreSQL's (counts, median rounded half to even, minimum, order) as prices move", async () => {
    const bumpVersion = () =>
      getPool().query(
        `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block, data_version)
         values ($1, '0x', '0x', 0, '0x0', 1, '0x1', 0, 1) on conflict (chain_id) do update set data_version = indexer_cursor.data_version + 1`,
        [CHAIN_ID],
      );
    // Small prices, so that many models have an even count whose two middle prices differ by an odd amount (x.5 medians).
    for (const modulus of [0, 13, 7, 2]) {
      if (modulus > 0) await getPool().query("update offer set price_per_gpu_hour = (offer_id * 7919) % $2 where chain_id = $1", [CHAIN_ID, modulus]);
      if (modulus === 7) await getPool().query("update offer set status = 'Paused' where chain_id = $1 and offer_id % 3 = 0", [CHAIN_ID]);
      await bumpVersion();
      clearSearchCaches(); // a full load: these updates are not written as the indexer writes them (no updated_block)
      const snapshot = await offerSnapshots.get(getPool(), CHAIN_ID, await searchDataVersion());
      const fromSnapshot = snapshotMarketSummary(snapshot);
      expect(fromSnapshot, `modulus ${modulus}`).toEqual(await sqlMarketSummary(CHAIN_ID));
      expect(fromSnapshot!.some((m) => m.offers % 2 === 0)).toBe(true);
    }
  });
});
