import fc from "fast-check";
import { expect, test } from "@playwright/test";
import { FILTER_KEYS } from "@gridlease/db/search-query";

// Pages take their state from the URL, so any URL someone edits or pastes must render, never fail.
// Every filter the search understands (from its one definition), the paging parameters, and a junk key.
const QUERY_KEYS = [...FILTER_KEYS, "sort", "limit", "cursor", "chainId", "junk"];

test("the marketplace renders for arbitrary query strings (bad filters are named, not fatal)", async ({ request }) => {
  const query = fc.array(
    fc.tuple(
      fc.constantFrom(...QUERY_KEYS),
      fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom("H100-SXM", "-1", "1e309", "2.5", "true", "AAAA")),
    ),
    { maxLength: 6 },
  );
  await fc.assert(
    fc.asyncProperty(query, async (pairs) => {
      const search = new URLSearchParams(pairs).toString();
      const response = await request.get(`/?${search}`);
      expect(response.status(), `/?${search}`).toBe(200);
      expect(await response.text()).toContain('data-testid="offer-count"');
    }),
    { numRuns: 40 },
  );
});

test("offer, rentals and provider pages answer 404 or render for arbitrary path and address values", async ({ request }) => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.bigInt({ min: 0n, max: 2n ** 80n }).map(String)), async (id) => {
      const response = await request.get(`/offers/${encodeURIComponent(id)}`);
      expect([200, 404], `/offers/${id}`).toContain(response.status());
    }),
    { numRuns: 30 },
  );
  for (const address of ["", "0x123", "not-an-address", "0x0000000000000000000000000000000000000000", "0xAbC0000000000000000000000000000000000001"]) {
    for (const path of ["/rentals", "/provider"]) {
      expect((await request.get(`${path}?address=${encodeURIComponent(address)}`)).status()).toBe(200);
    }
  }
});
