import fc from "fast-check";
import { expect } from "vitest";
import { searchListSource, searchOffers, searchOffersAsJson, SEARCH_SORTS, type OfferSearchQueryInput } from "../src/search";

/** Every page of a search, through the snapshot or through PostgreSQL (SEARCH_LIST_SOURCE=sql). */
export async function allPages(query: OfferSearchQueryInput, source: "snapshot" | "sql") {
  if (source === "sql") process.env.SEARCH_LIST_SOURCE = "sql";
  else delete process.env.SEARCH_LIST_SOURCE;
  // The comparison means something only if the switch took: the list really comes from where it is asked to.
  expect(searchListSource()).toBe(source === "sql" ? "sql" : "memory");
  try {
    const pages = [];
    let cursor: string | undefined;
    for (let page = 0; page < 400; page++) {
      const result = await searchOffers({ ...query, cursor });
      pages.push(result);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    return pages;
  } finally {
    delete process.env.SEARCH_LIST_SOURCE;
  }
}

export const queryArbitrary = fc.record(
  {
    gpu: fc.option(
      fc.subarray(["H100-SXM", "A100-SXM-80G", "RTX4090", "L40S", "T4", "H200"], { minLength: 1 }).map((a) => a.join(",")),
      { nil: undefined },
    ),
    region: fc.option(
      fc.subarray(["us-east", "eu-west", "ap-south", "us-west"], { minLength: 1 }).map((a) => a.join(",")),
      { nil: undefined },
    ),
    minGpus: fc.option(fc.constantFrom(1, 2, 4, 8), { nil: undefined }),
    minVramGb: fc.option(fc.constantFrom(24, 48, 80), { nil: undefined }),
    minRamGb: fc.option(fc.constantFrom(64, 200), { nil: undefined }),
    minCpuCores: fc.option(fc.constantFrom(8, 32), { nil: undefined }),
    maxPricePerGpuHour: fc.option(fc.constantFrom("0", "1", "2.5", "3"), { nil: undefined }),
    minReliability: fc.option(fc.constantFrom(50, 80), { nil: undefined }),
    availableNow: fc.option(fc.constant(true), { nil: undefined }),
    online: fc.option(fc.constantFrom("only", "any"), { nil: undefined }),
    maxSettledOutages: fc.option(fc.constantFrom(0, 1, 3), { nil: undefined }),
    verified: fc.option(fc.constant(true), { nil: undefined }),
    sort: fc.constantFrom(...SEARCH_SORTS),
    limit: fc.constantFrom(3, 7, 50),
  },
  { requiredKeys: ["sort", "limit"] },
);

/** The same searches through the snapshot and through PostgreSQL give the same pages, every field of every hit. */
export async function expectSnapshotEqualsSql(runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(queryArbitrary, async (query) => {
      const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as OfferSearchQueryInput;
      const fromSql = await allPages(clean, "sql");
      const fromSnapshot = await allPages(clean, "snapshot");
      // Cursors differ only in how a float is spelled, so pages are compared, not cursors.
      expect(fromSnapshot.map((p) => p.offers)).toEqual(fromSql.map((p) => p.offers));
      expect(fromSnapshot.map((p) => p.total)).toEqual(fromSql.map((p) => p.total));
      // Brute force for the counts: the total is what the pages list, all of them together.
      expect(fromSql[0]!.total).toBe(fromSql.flatMap((p) => p.offers).length);
      // The API's JSON (hits written from the columns) is the text of the answer's object, page by page.
      let cursor: string | undefined;
      for (const page of fromSnapshot) {
        expect(await searchOffersAsJson({ ...clean, cursor })).toBe(JSON.stringify(page));
        cursor = page.nextCursor ?? undefined;
      }
    }),
    { numRuns: runs },
  );
}

/** Every sort, no filters but online=any (every active offer), all pages: the snapshot's pages equal PostgreSQL's. */
export async function expectEverySortEqualsSql(): Promise<void> {
  for (const sort of SEARCH_SORTS) {
    const query: OfferSearchQueryInput = { sort, online: "any", limit: 100 };
    const [fromSql, fromSnapshot] = [await allPages(query, "sql"), await allPages(query, "snapshot")];
    expect(
      fromSnapshot.flatMap((p) => p.offers.map((o) => o.offerId)),
      sort,
    ).toEqual(fromSql.flatMap((p) => p.offers.map((o) => o.offerId)));
  }
}
