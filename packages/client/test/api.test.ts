import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GridleaseApi, GridleaseApiError, queryString } from "../src";
import { startWebApi, type WebApi } from "./web-api";

let web: WebApi;
let api: GridleaseApi;

beforeAll(async () => {
  web = await startWebApi({ offers: 200 });
  api = new GridleaseApi({ baseUrl: web.baseUrl });
}, 120_000);

afterAll(async () => {
  await web?.stop();
});

describe("queryString", () => {
  it("repeats array keys, leaves out undefined and null, and encodes values", () => {
    expect(queryString({ gpu: ["H100-SXM", "A100"], limit: 5, cursor: undefined, region: null, q: "a&b" })).toBe("?gpu=H100-SXM&gpu=A100&limit=5&q=a%26b");
    expect(queryString({})).toBe("");
  });
});

describe("GridleaseApi over the real API", () => {
  it("searches with filters and sort, and pages with the cursor", async () => {
    const first = await api.searchOffers({ online: "any", minGpus: 2, sort: "price", limit: 5 });
    expect(first.offers.length).toBe(5);
    expect(first.offers.every((o) => o.gpuCount >= 2)).toBe(true);
    const prices = first.offers.map((o) => BigInt(o.pricePerGpuHour));
    expect(prices).toEqual([...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const second = await api.searchOffers({ online: "any", minGpus: 2, sort: "price", limit: 5, cursor: first.nextCursor! });
    expect(second.offers.map((o) => o.offerId)).not.toContain(first.offers[0]!.offerId);
    expect(first.total).toBeGreaterThanOrEqual(10);
  });

  it("reads one offer and its provider, and answers null for ones that do not exist", async () => {
    const { offers } = await api.searchOffers({ online: "any", limit: 1 });
    const offer = await api.getOffer(offers[0]!.offerId);
    expect(offer?.offerId).toBe(offers[0]!.offerId);
    const provider = await api.getProvider(offers[0]!.provider);
    expect(provider).not.toBeNull();
    expect(await api.getOffer(2n ** 64n)).toBeNull();
    expect(await api.getProvider("0x000000000000000000000000000000000000dead")).toBeNull();
    expect((await api.getStats()).offers.active).toBeGreaterThan(0);
  });

  it("throws the API's sentence and field for invalid input", async () => {
    const refused = await api.getOffer("abc").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GridleaseApiError);
    expect(refused).toMatchObject({ status: 400, field: "id" });
    const unknown = await api.searchOffers({ colour: "blue" } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 400, field: "colour" });
    const leases = await api.listLeases({} as never).catch((e: unknown) => e);
    expect(leases).toMatchObject({ status: 400, field: "renter" });
  });
});
