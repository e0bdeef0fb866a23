import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { startDispatchServer, type DispatchServer } from "./dispatch-server-process";

// Real servers (the production dispatch in a child process) with small budgets: three requests, then
// 429, on both serving paths (the API lane's reads and Next's routes). The client is 127.0.0.1.
const budget = { API_RATE_LIMIT_BURST: "3", API_RATE_LIMIT_PER_SECOND: "0.001", API_WRITE_RATE_LIMIT_BURST: "3", API_WRITE_RATE_LIMIT_PER_SECOND: "0.001" };
let direct: DispatchServer;
let behindProxy: DispatchServer;
// The budgets (and the nonces POST /api/auth/nonce issues) live in PostgreSQL, shared by both servers;
// the tests below use distinct client keys on each.
let postgres: RunningPostgres;

beforeAll(async () => {
  postgres = await startTempPostgres("gridlease-web-client-key-");
  await runMigrations(postgres.url);
  direct = await startDispatchServer({ ...budget, DATABASE_URL: postgres.url });
  // As if this machine (127.0.0.1) were the reverse proxy in front of the web app.
  behindProxy = await startDispatchServer({ ...budget, DATABASE_URL: postgres.url, TRUSTED_PROXIES: "127.0.0.1/32, ::1" });
}, 120_000);

afterAll(async () => {
  direct?.stop();
  behindProxy?.stop();
  await postgres?.stop();
});

async function statuses(server: DispatchServer, method: "GET" | "POST", path: string, forwardedFor: (i: number) => string, count = 5): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: { "x-forwarded-for": forwardedFor(i), "x-real-ip": forwardedFor(i), "x-gridlease-peer-address": forwardedFor(i) },
    });
    await response.arrayBuffer();
    result.push(response.status);
  }
  return result;
}

describe("rate-limit keys on a real server", () => {
  it("gives spoofed X-Forwarded-For (and a spoofed peer header) no fresh budget, on the API lane and on Next's routes", async () => {
    const spoof = (i: number) => `198.51.100.${i + 1}`;
    expect(await statuses(direct, "GET", "/api/offers?minGpus=lots", spoof)).toEqual([400, 400, 400, 429, 429]);
    expect(await statuses(direct, "POST", "/api/auth/nonce", spoof)).toEqual([200, 200, 200, 429, 429]);
  });

  it("behind a configured trusted proxy, keys on the right-most untrusted hop", async () => {
    // What a client writes left of the proxy's own entry changes nothing: one client, one budget.
    const oneClient = (i: number) => `6.6.6.${i}, 203.0.113.9`;
    expect(await statuses(behindProxy, "GET", "/api/offers?minGpus=lots", oneClient)).toEqual([400, 400, 400, 429, 429]);
    // Distinct clients, as the proxy reports them, each get their own budget.
    const manyClients = (i: number) => `203.0.113.${100 + i}`;
    expect(await statuses(behindProxy, "GET", "/api/offers?minGpus=lots", manyClients)).toEqual([400, 400, 400, 400, 400]);
  });
});
