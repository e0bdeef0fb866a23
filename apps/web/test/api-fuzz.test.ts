import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { call, HOST, ORIGIN, relaxRateLimits, type Handler } from "./route-harness";

// Nothing listens on these: every case below must be answered before a database or chain is needed.
process.env.DATABASE_URL = "postgresql://nobody:nothing@127.0.0.1:9/none";
process.env.RPC_URL = "http://127.0.0.1:9";
process.env.CHAIN_ID = "31337";
relaxRateLimits();

let verify: Handler;
let nonce: Handler;
let session: Handler;
let disputes: Handler;

beforeAll(async () => {
  verify = (await import("@/app/api/auth/verify/route")).POST as Handler;
  nonce = (await import("@/app/api/auth/nonce/route")).POST as Handler;
  session = (await import("@/app/api/auth/session/route")).GET as Handler;
  disputes = (await import("@/app/api/admin/disputes/route")).GET as Handler;
});

const account = privateKeyToAccount(generatePrivateKey());

/** The pre-login cookie of the latest nonce, sent back with the sign-in as the browser would. */
let prelogin = "";

async function freshNonce(): Promise<string> {
  const response = await call(nonce, { method: "POST", headers: { origin: ORIGIN } });
  expect(response.status).toBe(200);
  prelogin = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  return ((await response.json()) as { nonce: string }).nonce;
}

async function signed(overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
  const issuedAt = new Date();
  const message = createSiweMessage({
    address: account.address,
    chainId: 31337,
    domain: HOST,
    uri: ORIGIN,
    version: "1",
    nonce: await freshNonce(),
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + 5 * 60_000),
    ...overrides,
  });
  return JSON.stringify({ message, signature: await account.signMessage({ message }) });
}

const json = fc.jsonValue({ maxDepth: 3 });
const anyBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  json.map((v) => JSON.stringify(v)),
  fc.record({ message: fc.oneof(fc.string(), json), signature: fc.oneof(fc.string(), json) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ message: fc.string({ minLength: 1, maxLength: 500 }), signature: fc.stringMatching(/^0x[0-9a-f]{0,200}$/) }).map((v) => JSON.stringify(v)),
);

describe("POST /api/auth/verify with arbitrary bodies", () => {
  it("answers 400 for malformed bodies and 401 for well-formed ones that are not valid sign-ins, never 500", async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const response = await call(verify, { method: "POST", body, headers: { origin: ORIGIN, "content-type": "application/json" } });
        expect([400, 401]).toContain(response.status);
        const payload = (await response.json()) as { error: { message: string } };
        expect(payload.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it("answers 403 to any foreign or null Origin before looking at the body", async () => {
    const foreign = fc.oneof(fc.constant("null"), fc.webUrl().map((u) => new URL(u).origin).filter((o) => o !== ORIGIN));
    await fc.assert(
      fc.asyncProperty(foreign, anyBody, async (origin, body) => {
        expect((await call(verify, { method: "POST", body, headers: { origin } })).status).toBe(403);
      }),
      { numRuns: 100 },
    );
  });
});

describe("SIWE refusals through the route (401)", () => {
  it("refuses a message signed for another domain", async () => {
    const body = await signed({ domain: "evil.example", uri: "https://evil.example" });
    expect((await call(verify, { method: "POST", body, headers: { origin: ORIGIN, cookie: prelogin } })).status).toBe(401);
  });

  it("refuses an expired message", async () => {
    const body = await signed({ issuedAt: new Date(Date.now() - 120_000), expirationTime: new Date(Date.now() - 1_000) });
    expect((await call(verify, { method: "POST", body, headers: { origin: ORIGIN, cookie: prelogin } })).status).toBe(401);
  });

  it("refuses a nonce the server never issued, and a nonce reused after a first attempt", async () => {
    const issuedAt = new Date();
    const message = createSiweMessage({
      address: account.address, chainId: 31337, domain: HOST, uri: ORIGIN, version: "1", nonce: "neverissued12345", issuedAt,
      expirationTime: new Date(issuedAt.getTime() + 60_000),
    });
    const body = JSON.stringify({ message, signature: await account.signMessage({ message }) });
    expect((await call(verify, { method: "POST", body, headers: { origin: ORIGIN } })).status).toBe(401);

    const firstAttempt = await signed({ chainId: 1 }); // burns its nonce on a wrong-chain refusal
    expect((await call(verify, { method: "POST", body: firstAttempt, headers: { origin: ORIGIN, cookie: prelogin } })).status).toBe(401);
    const { message: burned } = JSON.parse(firstAttempt) as { message: string };
    const reused = burned.replace("Chain ID: 1", "Chain ID: 31337");
    const retry = JSON.stringify({ message: reused, signature: await account.signMessage({ message: reused }) });
    const response = await call(verify, { method: "POST", body: retry, headers: { origin: ORIGIN, cookie: prelogin } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("siwe_nonce");
  });
});

describe("session and admin routes with arbitrary cookies", () => {
  const cookie = fc.oneof(fc.string({ maxLength: 200 }), fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `gridlease_admin=${a}.${b}`));

  it("never treat a forged cookie as a session: /api/admin/disputes answers 401, /api/auth/session answers no session", async () => {
    await fc.assert(
      fc.asyncProperty(cookie, fc.string({ maxLength: 50 }), async (value, query) => {
        const headers = { cookie: value };
        const admin = await call(disputes, { path: `/api/admin/disputes?${encodeURIComponent(query)}`, headers });
        expect(admin.status).toBe(401);
        const current = await call(session, { path: "/api/auth/session", headers });
        expect(current.status).toBe(200);
        expect(await current.json()).toEqual({ session: null });
      }),
      { numRuns: 150 },
    );
  });
});
