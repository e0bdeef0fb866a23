import { GridleaseApi, type OfferSearchAnswer } from "@gridlease/client";
import { freePort } from "@gridlease/sdk/local-chain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebApi, type WebApi } from "../../../packages/client/test/web-api";
import { searchOutputSchema } from "../src/output";
import { cli } from "./helpers";

type Hit = OfferSearchAnswer["offers"][number];
let web: WebApi;
let all: Hit[];

beforeAll(async () => {
  web = await startWebApi({ offers: 300 });
  // Every offer, read straight from the API: what each query's answer is checked against.
  const api = new GridleaseApi({ baseUrl: web.baseUrl });
  all = [];
  let cursor: string | undefined;
  do {
    const page = await api.searchOffers({ online: "any", limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.offers);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}, 120_000);

afterAll(async () => {
  await web?.stop();
});

async function search(query: string, ...flags: string[]) {
  const { code, stdout, stderr } = await cli(["--api", web.baseUrl, "--json", "search", "--include-offline", ...flags, query]);
  expect(code, stderr).toBe(0);
  return searchOutputSchema.parse(JSON.parse(stdout)); // --json keeps its schema
}

const ids = (hits: { offerId: string }[]) => hits.map((h) => h.offerId).sort();

describe("gridlease search against the real API", () => {
  it("applies each comparison operator to a number field", async () => {
    expect(all.length).toBe(300);
    const cases: [string, (h: Hit) => boolean][] = [
      ["num_gpus<2", (h) => h.gpuCount < 2],
      ["num_gpus<=2", (h) => h.gpuCount <= 2],
      ["num_gpus==4", (h) => h.gpuCount === 4],
      ["num_gpus=4", (h) => h.gpuCount === 4],
      ["num_gpus!=1", (h) => h.gpuCount !== 1],
      ["num_gpus>=4", (h) => h.gpuCount >= 4],
      ["num_gpus>4", (h) => h.gpuCount > 4],
    ];
    for (const [query, predicate] of cases) {
      const expected = all.filter(predicate);
      expect(expected.length, `${query} should select some but not all`).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      const result = await search(query);
      expect(ids(result.offers), query).toEqual(ids(expected));
      expect(result.matched).toBe(expected.length);
    }
  });

  it("applies in / notin to strings, a USDC price bound, and several conditions at once", async () => {
    const models = [...new Set(all.map((h) => h.gpuModel))].slice(0, 2);
    const regions = [...new Set(all.map((h) => h.region))].slice(0, 1);
    const inModels = await search(`gpu in [${models.join(", ")}]`);
    expect(ids(inModels.offers)).toEqual(ids(all.filter((h) => models.includes(h.gpuModel))));
    const notInRegion = await search(`region notin [${regions[0]}]`);
    expect(ids(notInRegion.offers)).toEqual(ids(all.filter((h) => h.region !== regions[0])));
    const combined = await search(`dph<2.5 vram>=40 gpu notin [${models[0]}]`);
    expect(ids(combined.offers)).toEqual(ids(all.filter((h) => BigInt(h.pricePerGpuHour) < 2_500_000n && h.vramGb >= 40 && h.gpuModel !== models[0])));
  });

  it("sorts by any field, ascending or descending, and limits", async () => {
    const byVramDesc = await search("num_gpus>=1", "-o", "vram-,id");
    const vram = byVramDesc.offers.map((h) => h.vramGb);
    expect(vram).toEqual([...vram].sort((a, b) => b - a));
    const byReliability = await search("", "-o", "reliability:asc", "-n", "7");
    expect(byReliability.offers).toHaveLength(7);
    const reliability = byReliability.offers.map((h) => h.providerReliability);
    expect(reliability).toEqual([...reliability].sort((a, b) => a - b));
    expect(reliability[0]).toBe(Math.min(...all.map((h) => h.providerReliability)));
    const cpuDesc = await search("", "-o", "cpu_cores-", "-n", "1");
    expect(cpuDesc.offers[0]!.cpuCores).toBe(Math.max(...all.map((h) => h.cpuCores)));
  });

  it("prints a table by default and a sentence for a query it cannot read", async () => {
    const table = await cli(["--api", web.baseUrl, "search", "--include-offline", "-n", "3", "num_gpus>=1"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+GPU\s+N\s+FREE/);
    expect(table.stdout).toContain("3 offer(s)");
    const bad = await cli(["--api", web.baseUrl, "search", "colour==blue"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gridlease: Unknown field "colour"/);
    const closed = await freePort(); // nothing listens there
    const unreachable = await cli(["--api", `http://127.0.0.1:${closed}`, "search", "gpus>=1"]);
    expect([unreachable.code, unreachable.stderr.split("\n")[0]]).toEqual([
      1,
      `gridlease: Cannot reach the Gridlease API at http://127.0.0.1:${closed}: ECONNREFUSED.`,
    ]);
    const noList = await cli(["--api", web.baseUrl, "search", "gpu in H100"]);
    expect(noList.stderr).toContain("give a list like [a, b]");
  });

  it("shows one offer, and says so when it does not exist", async () => {
    const shown = await cli(["--api", web.baseUrl, "offer", all[0]!.offerId]);
    expect(shown.stdout).toContain(`Offer #${all[0]!.offerId}:`);
    const missing = await cli(["--api", web.baseUrl, "offer", String(2n ** 64n)]);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, `gridlease: Offer ${2n ** 64n} does not exist.`]);
  });
});
