import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { SharedRateLimiter, type RateLimitOptions } from "@/lib/api/rate-limit";

// Real PostgreSQL with the migrations: the buckets are rows of rate_limit_bucket, as in production.
// Each SharedRateLimiter plays one web process; `now` is passed so that refills are exact.
let postgres: RunningPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startTempPostgres("gridlease-web-ratelimit-");
  await runMigrations(postgres.url);
  pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  // An idle client that hears the server shut down at the end emits "error" on the pool; unheard, that
  // is an uncaught exception that fails the whole run (it did once in CI, after every test had passed).
  pool.on("error", () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

/** A limiter on the test database that records the token count each round trip asked for. */
function limiter(name: string, options: RateLimitOptions) {
  const asked: number[] = [];
  const db = () => ({
    query: ((text: string, values?: unknown[]) => {
      if (text.startsWith("insert into rate_limit_bucket")) asked.push(Number(values![5]));
      return pool.query(text, values);
    }) as pg.Pool["query"],
  });
  return { limiter: new SharedRateLimiter(name, options, db), asked };
}

const T0 = 1_900_000_000_000;

describe("SharedRateLimiter with batches", () => {
  it("serves a busy client's requests from reserved tokens: 200 requests, a handful of round trips, none over budget", async () => {
    const { limiter: web, asked } = limiter("busy", { ratePerSecond: 0.001, burst: 400, maxBatch: 20 });
    const results = [];
    for (let i = 0; i < 200; i++) results.push(await web.take("client", T0 + i));
    expect(results.every((r) => r.allowed)).toBe(true);
    // 1, 2, 4, 8, 16, then 20 at a time: 200 requests in 14 round trips instead of 200.
    expect(asked.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 20]);
    expect(asked.length).toBeLessThanOrEqual(16);
    const { rows } = await pool.query<{ tokens: number }>("select tokens from rate_limit_bucket where limiter = 'busy'");
    // The shared bucket was charged for every token handed out, used or still reserved.
    expect(400 - Math.round(rows[0]!.tokens)).toBe(asked.reduce((sum, n) => sum + n, 0));
    expect(results.at(-1)!.remaining).toBe(200);
  });

  it("asks for one token at a time for a client that is not busy", async () => {
    const { limiter: web, asked } = limiter("quiet", { ratePerSecond: 10, burst: 40, maxBatch: 20 });
    for (let i = 0; i < 5; i++) expect((await web.take("client", T0 + i * 500)).allowed).toBe(true);
    expect(asked).toEqual([1, 1, 1, 1, 1]);
  });

  it("makes concurrent requests of one client wait for one round trip rather than each sending its own", async () => {
    const { limiter: web, asked } = limiter("concurrent", { ratePerSecond: 0.001, burst: 400, maxBatch: 20 });
    const results = await Promise.all(Array.from({ length: 50 }, () => web.take("client", T0)));
    expect(results.every((r) => r.allowed)).toBe(true);
    expect(asked).toEqual([1, 2, 4, 8, 16, 20]);
  });

  it("never lets two processes together spend more than the shared bucket holds", async () => {
    const options = { ratePerSecond: 0.001, burst: 100, maxBatch: 20 };
    const a = limiter("two", options);
    const b = limiter("two", options);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b).limiter.take("client", T0 + Math.floor(i / 10))));
    const allowed = results.filter((r) => r.allowed).length;
    expect(allowed).toBeLessThanOrEqual(100);
    // The error is on the strict side and bounded: at most one batch per process left unused.
    expect(allowed).toBeGreaterThanOrEqual(100 - 2 * 20);
    // Reserved tokens expire after a second; the bucket has not refilled, so nothing more gets through.
    const later = await Promise.all([a.limiter.take("client", T0 + 1_500), b.limiter.take("client", T0 + 1_500)]);
    expect(later.map((r) => r.allowed)).toEqual([false, false]);
  });

  it("remembers a refusal until the bucket holds a whole token again, then grants", async () => {
    const { limiter: web, asked } = limiter("refused", { ratePerSecond: 10, burst: 5, maxBatch: 5 });
    for (let i = 0; i < 5; i++) expect((await web.take("client", T0)).allowed).toBe(true);
    const before = asked.length;
    const refused = [];
    for (let i = 0; i < 10; i++) refused.push(await web.take("client", T0 + 10));
    expect(refused.every((r) => !r.allowed && r.retryAfterSeconds === 1)).toBe(true);
    // One round trip learnt the refusal; the other nine were answered from it.
    expect(asked.length - before).toBe(1);
    expect((await web.take("client", T0 + 120)).allowed).toBe(true);
  });

  it("without batches charges exactly one token per request (the write limiter)", async () => {
    const { limiter: web, asked } = limiter("exact", { ratePerSecond: 0.001, burst: 3 });
    const results = await Promise.all(Array.from({ length: 5 }, () => web.take("client", T0)));
    expect(results.map((r) => r.allowed).sort()).toEqual([false, false, true, true, true]);
    expect(asked).toEqual([1, 1, 1, 1, 1]);
  });
});
