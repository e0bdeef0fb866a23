import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as offers from "@/app/api/offers/route";
import * as stats from "@/app/api/stats/route";
import { call, startMarketDatabase, type Handler } from "@/test/route-harness";
import { matchApiLane, serveApiLane } from "./api-lane";

let database: Awaited<ReturnType<typeof startMarketDatabase>>;
let server: http.Server;
let base: string;

beforeAll(async () => {
  database = await startMarketDatabase(500, 0.2, "gridlease-lane-");
  // What http/main.ts does, with a stand-in for Next that says it was asked.
  server = http.createServer((request, response) => {
    void serveApiLane(request, response).then((served) => {
      if (!served) response.writeHead(418, { "content-type": "text/plain" }).end("next");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await database?.stop();
});

const viaNext = (route: { GET: Handler }, path: string) => call(route.GET, { path });

describe("matchApiLane", () => {
  it("takes the public GET routes and leaves everything else to Next", () => {
    expect(matchApiLane("GET", "/api/offers")?.params).toEqual({});
    expect(matchApiLane("HEAD", "/api/offers")).not.toBeNull();
    expect(matchApiLane("GET", "/api/offers/42")?.params).toEqual({ id: "42" });
    expect(matchApiLane("GET", "/api/providers/0xAbC")?.params).toEqual({ address: "0xAbC" });
    expect(matchApiLane("GET", "/api/leases")).not.toBeNull();
    expect(matchApiLane("GET", "/api/stats")).not.toBeNull();
    for (const [method, path] of [
      ["POST", "/api/offers"],
      ["POST", "/api/heartbeats"],
      ["GET", "/api/auth/nonce"],
      ["GET", "/api/admin/disputes"],
      ["GET", "/"],
      ["GET", "/offers/1"],
      ["GET", "/api/offers/"],
      ["GET", "/api/offers/1/extra"],
      ["GET", "/api/offers/%zz"],
    ] as const) {
      expect(matchApiLane(method, path), `${method} ${path}`).toBeNull();
    }
  });
});

describe("serveApiLane", () => {
  it("answers /api/offers with the same JSON as the Next route", async () => {
    const url = "/api/offers?gpu=H100-SXM,RTX4090&sort=price_per_tflop&limit=7";
    const lane = await fetch(base + url);
    expect(lane.status).toBe(200);
    expect(lane.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(lane.headers.get("cache-control")).toBe("no-store");
    const body = await lane.json();
    expect(body.offers).toHaveLength(7);
    expect(body).toEqual(await (await viaNext(offers, url)).json());
  });

  it("answers /api/stats, 400s naming the field and 404s as the Next routes do", async () => {
    expect(await (await fetch(`${base}/api/stats`)).json()).toEqual(await (await viaNext(stats, "/api/stats")).json());
    const bad = await fetch(`${base}/api/offers?minGpus=lots`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe("minGpus");
    const unknownParam = await fetch(`${base}/api/offers?colour=red`);
    expect(unknownParam.status).toBe(400);
    const badId = await fetch(`${base}/api/offers/not-a-number`);
    expect(badId.status).toBe(400);
    expect((await badId.json()).error.field).toBe("id");
    const missing = await fetch(`${base}/api/offers/999999999`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("not_found");
  });

  it("answers HEAD with the headers and no body", async () => {
    const head = await fetch(`${base}/api/offers?limit=3`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(100);
    expect(await head.text()).toBe("");
  });

  it("hands writes, sessions and pages to Next", async () => {
    for (const [method, path] of [
      ["POST", "/api/heartbeats"],
      ["GET", "/api/auth/nonce"],
      ["GET", "/"],
      ["GET", "/api/offers/"],
    ]) {
      const response = await fetch(base + path, { method, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(response.status, `${method} ${path}`).toBe(418);
    }
  });
});
