import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiRoute, ParsedQueries, parseJsonBody, parseSearchParams } from "./handler";
import { checkOrigin } from "./origin";
import { RateLimiter } from "./rate-limit";

const ctx = { params: Promise.resolve({}) };

describe("apiRoute", () => {
  const schema = z.object({ limit: z.coerce.number().int().min(1).max(100) });
  const route = apiRoute(async (request) => Response.json(parseSearchParams(request, schema)), { rateLimiter: false });

  it("answers 400 naming the field for bad query params", async () => {
    const response = await route(new Request("http://localhost/api/x?limit=abc"), ctx);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.field).toBe("limit");
    expect(body.error.message).toMatch(/^limit: /);
  });

  it("passes valid input through", async () => {
    const response = await route(new Request("http://localhost/api/x?limit=5"), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ limit: 5 });
  });

  it("answers 500 without details for unexpected errors", async () => {
    const failing = apiRoute(
      async () => {
        throw new Error("secret detail");
      },
      { rateLimiter: false },
    );
    const response = await failing(new Request("http://localhost/api/x"), ctx);
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toContain("secret");
  });

  it("answers 400 for malformed JSON bodies", async () => {
    const post = apiRoute(async (request) => Response.json(await parseJsonBody(request, schema)), { rateLimiter: false });
    const response = await post(new Request("http://localhost/api/x", { method: "POST", body: "{nope" }), ctx);
    expect(response.status).toBe(400);
  });

  it("answers 403 for foreign and null origins on writes", async () => {
    const post = apiRoute(async () => Response.json({ ok: true }), { rateLimiter: false });
    const make = (origin?: string) => new Request("http://localhost:3000/api/x", { method: "POST", body: "{}", headers: origin ? { origin } : {} });
    expect((await post(make("https://evil.example"), ctx)).status).toBe(403);
    expect((await post(make("null"), ctx)).status).toBe(403);
    expect((await post(make("http://localhost:3000"), ctx)).status).toBe(200);
    expect((await post(make(), ctx)).status).toBe(200);
  });

  it("answers 429 once the bucket is empty", async () => {
    const limited = apiRoute(async () => Response.json({ ok: true }), { rateLimiter: new RateLimiter({ ratePerSecond: 0.001, burst: 2 }) });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited(new Request("http://localhost/api/x"), ctx)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe("checkOrigin", () => {
  it("lets reads through regardless of origin", () => {
    expect(checkOrigin(new Request("http://localhost/", { headers: { origin: "null" } })).ok).toBe(true);
  });
});

describe("RateLimiter", () => {
  it("refills over time and evicts the least recently used client", () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxClients: 2 });
    expect(limiter.take("a", 0).allowed).toBe(true);
    expect(limiter.take("a", 10).allowed).toBe(false);
    expect(limiter.take("a", 1010).allowed).toBe(true);
    limiter.take("b", 1010);
    limiter.take("c", 1010); // evicts "a"
    expect(limiter.take("a", 1011).allowed).toBe(true);
  });
});

describe("ParsedQueries", () => {
  const schema = z.object({ limit: z.coerce.number().int().min(1).max(100), sort: z.string().default("price") }).strict();

  it("validates a query string once and hands out the same answer for it again, derived once", () => {
    let derived = 0;
    const queries = new ParsedQueries(schema, (parsed) => ({ parsed, derived: ++derived }));
    const first = queries.parse(new URLSearchParams("limit=5"));
    expect(first).toEqual({ parsed: { limit: 5, sort: "price" }, derived: 1 });
    expect(queries.parse(new URLSearchParams("limit=5"))).toBe(first);
    expect(queries.parse(new URLSearchParams("limit=6")).derived).toBe(2);
  });

  it("keeps no refused query: each is validated again and throws again, naming the field", () => {
    const queries = new ParsedQueries(schema, (parsed) => parsed);
    for (let i = 0; i < 2; i++) expect(() => queries.parse(new URLSearchParams("limit=0"))).toThrow(/limit/);
    expect(() => queries.parse(new URLSearchParams("limit=5&extra=1"))).toThrow(z.ZodError);
  });

  it("keeps at most its bound, dropping the oldest first", () => {
    let derived = 0;
    const queries = new ParsedQueries(schema, () => ++derived, 2);
    queries.parse(new URLSearchParams("limit=1"));
    queries.parse(new URLSearchParams("limit=2"));
    queries.parse(new URLSearchParams("limit=3")); // drops limit=1
    expect(queries.parse(new URLSearchParams("limit=3"))).toBe(3);
    expect(queries.parse(new URLSearchParams("limit=1"))).toBe(4);
  });
});
