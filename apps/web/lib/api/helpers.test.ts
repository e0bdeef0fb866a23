import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiRoute, parseJsonBody, parseSearchParams } from "./handler";
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
