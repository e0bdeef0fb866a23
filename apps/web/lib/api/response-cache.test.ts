import { describe, expect, it } from "vitest";
import { VersionedResponseCache } from "./response-cache";

function setup(options: { versionCheckMs?: number; maxAgeMs?: number; maxEntries?: number; random?: () => number } = {}) {
  let clock = 0;
  let version = "block-1";
  let versionReads = 0;
  const cache = new VersionedResponseCache<string>({
    readVersion: async () => {
      versionReads++;
      return version;
    },
    now: () => clock,
    random: () => 0.25, // refresh at 60% of maxAgeMs
    ...options,
  });
  let computed = 0;
  const compute = (value: string) => async () => {
    computed++;
    return value;
  };
  return {
    cache,
    compute,
    advance: (ms: number) => (clock += ms),
    setVersion: (v: string) => (version = v),
    counts: () => ({ computed, versionReads }),
  };
}

describe("VersionedResponseCache", () => {
  it("reuses an answer while the version stays, and recomputes once it changes", async () => {
    const t = setup({ versionCheckMs: 200, maxAgeMs: 10_000 });
    expect(await t.cache.get("q", t.compute("a"))).toEqual({ body: "a", hit: false });
    t.advance(50);
    expect(await t.cache.get("q", t.compute("b"))).toEqual({ body: "a", hit: true });
    t.setVersion("block-2");
    t.advance(100); // still inside the version check window: the new block is not seen yet
    expect((await t.cache.get("q", t.compute("b"))).body).toBe("a");
    t.advance(100);
    expect(await t.cache.get("q", t.compute("b"))).toEqual({ body: "b", hit: false });
    expect(t.counts()).toEqual({ computed: 2, versionReads: 2 });
  });

  it("reads the version at most once per window, however many requests come", async () => {
    const t = setup({ versionCheckMs: 200 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => t.cache.get(`q${i % 5}`, t.compute("x"))));
    expect(t.counts().versionReads).toBe(1);
    expect(t.counts().computed).toBe(5); // concurrent misses for one key share one computation
  });

  it("never serves an answer older than maxAgeMs, even at the same version", async () => {
    const t = setup({ versionCheckMs: 200, maxAgeMs: 1000 });
    await t.cache.get("q", t.compute("a"));
    t.advance(999);
    expect((await t.cache.get("q", t.compute("b"))).body).toBe("a");
    t.advance(1);
    expect((await t.cache.get("q", t.compute("b"))).body).toBe("b");
  });

  it("recomputes an answer in the background before its age limit, without making requests wait", async () => {
    const t = setup({ versionCheckMs: 10_000, maxAgeMs: 1000 });
    await t.cache.get("q", t.compute("a"));
    t.advance(600);
    expect(await t.cache.get("q", t.compute("b"))).toEqual({ body: "a", hit: true }); // starts the refresh
    expect(await t.cache.get("q", t.compute("c"))).toEqual({ body: "b", hit: true });
    t.advance(900); // 1500 ms after "a", 900 ms after "b" was computed: "b" is still young enough
    expect((await t.cache.get("q", t.compute("d"))).body).toBe("b");
    expect(t.counts().computed).toBe(3); // a, b, and the refresh started by the last request
  });

  it("does not keep failures, and a failed version read is retried by the next request", async () => {
    let fail = true;
    let clock = 0;
    const cache = new VersionedResponseCache<string>({
      readVersion: async () => {
        if (fail) throw new Error("database down");
        return "v";
      },
      now: () => clock,
    });
    await expect(cache.get("q", async () => "a")).rejects.toThrow("database down");
    fail = false;
    expect(await cache.get("q", async () => "a")).toEqual({ body: "a", hit: false });
    clock += 300;
    await expect(cache.get("other", async () => Promise.reject(new Error("bad query")))).rejects.toThrow("bad query");
    expect(await cache.get("other", async () => "ok")).toEqual({ body: "ok", hit: false });
  });

  it("spreads the background refreshes of answers cached together", async () => {
    const draws = [0, 0.99];
    const t = setup({ versionCheckMs: 100_000, maxAgeMs: 1000, random: () => draws.shift() ?? 0 });
    await t.cache.get("early", t.compute("e1")); // refreshes from 500 ms
    await t.cache.get("late", t.compute("l1")); // refreshes from 896 ms
    t.advance(600);
    await t.cache.get("early", t.compute("e2"));
    await t.cache.get("late", t.compute("l2"));
    expect(t.counts().computed).toBe(3); // e1, l1 and the early one's refresh only
    t.advance(300);
    await t.cache.get("late", t.compute("l3"));
    expect(t.counts().computed).toBe(4);
  });

  it("evicts the least recently used answer when full", async () => {
    const t = setup({ maxEntries: 2, maxAgeMs: 10_000 });
    await t.cache.get("a", t.compute("a"));
    await t.cache.get("b", t.compute("b"));
    await t.cache.get("a", t.compute("a2")); // touch a
    await t.cache.get("c", t.compute("c")); // evicts b
    expect((await t.cache.get("a", t.compute("a3"))).hit).toBe(true);
    expect((await t.cache.get("b", t.compute("b2"))).hit).toBe(false);
  });
});
