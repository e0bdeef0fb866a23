import { describe, expect, it } from "vitest";
import { countSnapshot, type OfferSnapshot } from "../src/offer-facets";

/** A snapshot of offers with the given prices (base units) and nothing else of interest. */
function snapshotWithPrices(prices: bigint[]): OfferSnapshot {
  const size = prices.length;
  const column = () => new Float64Array(size);
  const price = column();
  const largePrices = new Map<number, bigint>();
  prices.forEach((p, i) => {
    price[i] = p <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p) : Infinity;
    if (price[i] === Infinity) largePrices.set(i, p);
  });
  return {
    size,
    gpuModelCode: new Uint16Array(size),
    regionCode: new Uint16Array(size),
    gpuModels: ["H100-SXM"],
    regions: ["us-east"],
    gpuCount: column(),
    vramGb: column(),
    cpuCores: column(),
    ramGb: column(),
    diskGb: column(),
    bandwidthMbps: column(),
    price,
    largePrices,
    freeUnits: column(),
    reliability: column(),
    providerActive: new Uint8Array(size),
    online: new Uint8Array(size),
    outagesSettled: column(),
    verifiedAt: column().fill(Number.NaN),
  };
}

describe("the price filter", () => {
  const big = 2n ** 60n;
  const prices = [1n, 2_500_000n, BigInt(Number.MAX_SAFE_INTEGER), big - 1n, big, big + 1n];
  const snapshot = snapshotWithPrices(prices);

  it("compares exactly on both sides of 2^53", () => {
    for (const budget of [0n, 2_500_000n, BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) + 1n, big - 1n, big, 10n ** 18n]) {
      const counts = countSnapshot(snapshot, [{ key: "maxPricePerGpuHour", budget }]);
      expect(counts.total, `budget ${budget}`).toBe(prices.filter((p) => p <= budget).length);
    }
  });
});

describe("countSnapshot", () => {
  it("counts an offer failing one filter only toward that filter's add-back and facet", () => {
    const snapshot = snapshotWithPrices([1n, 5n, 10n]);
    snapshot.gpuCount.set([1, 1, 0]);
    const counts = countSnapshot(snapshot, [
      { key: "maxPricePerGpuHour", budget: 4n },
      { key: "minGpus", minimum: 1 },
    ]);
    expect(counts.total).toBe(1); // offer 0
    expect(counts.withoutFilter.get("maxPricePerGpuHour")).toBe(2); // + offer 1
    expect(counts.withoutFilter.get("minGpus")).toBe(1); // offer 2 fails both
    expect(counts.gpuModel).toEqual([{ value: "H100-SXM", count: 1 }]);
    expect(counts.region).toEqual([{ value: "us-east", count: 1 }]);
    expect(counts.activeOffers).toBe(3);
  });
});

describe("the online filter", () => {
  it("counts only online providers' offers, and available now needs online as well as free units", () => {
    const snapshot = snapshotWithPrices([1n, 2n, 3n, 4n]);
    snapshot.online.set([1, 0, 1, 0]);
    snapshot.freeUnits.set([1, 1, 0, 2]);
    snapshot.providerActive.set([1, 1, 1, 1]);
    const online = countSnapshot(snapshot, [{ key: "online" }]);
    expect(online.total).toBe(2);
    expect(online.gpuModel).toEqual([{ value: "H100-SXM", count: 2 }]);
    expect(online.withoutFilter.get("online")).toBe(4);
    // Offer 1 has a free unit but its provider is offline; offer 2 is online but full.
    expect(countSnapshot(snapshot, [{ key: "availableNow", units: 1 }]).total).toBe(1);
    const both = countSnapshot(snapshot, [{ key: "availableNow", units: 1 }, { key: "online" }]);
    expect(both.total).toBe(1);
    // Offer 2 fails only "available now"; offers 1 and 3 fail both, so dropping one filter adds nothing back.
    expect(both.withoutFilter.get("availableNow")).toBe(2);
    expect(both.withoutFilter.get("online")).toBe(1);
    expect(countSnapshot(snapshot, []).total).toBe(4);
  });
});

describe("the settled outages filter", () => {
  it("keeps offers whose provider has at most the given settled outages, and names itself when it excludes", () => {
    const snapshot = snapshotWithPrices([1n, 2n, 3n]);
    snapshot.outagesSettled.set([0, 1, 3]);
    expect(countSnapshot(snapshot, [{ key: "maxSettledOutages", maximum: 0 }]).total).toBe(1);
    expect(countSnapshot(snapshot, [{ key: "maxSettledOutages", maximum: 1 }]).total).toBe(2);
    const none = countSnapshot(snapshot, [
      { key: "maxSettledOutages", maximum: 0 },
      { key: "maxPricePerGpuHour", budget: 1n },
    ]);
    expect(none.total).toBe(1);
    // Offer 1 fails only the outage filter; offer 2 fails both.
    expect(none.withoutFilter.get("maxSettledOutages")).toBe(1);
    expect(none.withoutFilter.get("maxPricePerGpuHour")).toBe(1);
    const strict = countSnapshot(snapshot, [
      { key: "maxSettledOutages", maximum: 0 },
      { key: "maxPricePerGpuHour", budget: 2n },
    ]);
    expect(strict.withoutFilter.get("maxSettledOutages")).toBe(2);
  });
});
