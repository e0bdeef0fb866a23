import { closeDatabaseClients, getPool } from "@gridlease/db/client";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { ApiError } from "@/lib/api";
import { NonceStore } from "./nonce-store";
import { decodeSession, encodeSession, readSession, revokeSession } from "./session";
import { verifySiweLogin } from "./siwe";

const DOMAIN = "127.0.0.1:3100";
const ORIGIN = new URL(`http://${DOMAIN}`);
const CHAIN_ID = 31337;
const account = privateKeyToAccount(generatePrivateKey());

// Nonces live in PostgreSQL (shared by every web process): a real one, emptied before each test.
let postgres: RunningPostgres;
beforeAll(async () => {
  postgres = await startTempPostgres("gridlease-web-siwe-");
  await runMigrations(postgres.url);
  process.env.DATABASE_URL = postgres.url;
});
afterAll(async () => {
  await closeDatabaseClients();
  await postgres?.stop();
});
beforeEach(async () => {
  await getPool().query("truncate siwe_nonce, web_session_revoked");
});
const query = async (sql: string) => (await getPool().query(sql)).rows;

async function signedLogin(nonce: string, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}, signer = account) {
  const now = new Date();
  const message = createSiweMessage({
    address: account.address,
    chainId: CHAIN_ID,
    domain: DOMAIN,
    uri: `http://${DOMAIN}/admin`,
    nonce,
    version: "1",
    issuedAt: now,
    expirationTime: new Date(now.getTime() + 5 * 60_000),
    statement: "Sign in to the Gridlease arbiter console.",
    ...overrides,
  });
  return { message, signature: await signer.signMessage({ message }) };
}

async function statusOf(promise: Promise<unknown>): Promise<number | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

describe("verifySiweLogin", () => {
  it("accepts a fresh, correctly signed message once and refuses its replay", async () => {
    const nonces = new NonceStore();
    const { nonce, token } = await nonces.issue();
    const login = await signedLogin(nonce);
    const context = { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces };
    await expect(verifySiweLogin(login, context)).resolves.toEqual({ address: account.address });
    expect(await statusOf(verifySiweLogin(login, context))).toBe(401);
  });

  it("refuses a second message that reuses a consumed nonce", async () => {
    const nonces = new NonceStore();
    const { nonce, token } = await nonces.issue();
    const context = { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces };
    await verifySiweLogin(await signedLogin(nonce), context);
    const again = await signedLogin(nonce, { statement: "A different statement, same nonce." });
    expect(await statusOf(verifySiweLogin(again, context))).toBe(401);
  });

  it("refuses nonces it never issued and nonces past their expiry", async () => {
    const nonces = new NonceStore({ ttlMs: 1_000, maxEntries: 10 });
    expect(await statusOf(verifySiweLogin(await signedLogin("abcdefgh12345678"), { origin: ORIGIN, nonceToken: "x", chainId: CHAIN_ID, nonces }))).toBe(401);
    const { nonce, token } = await nonces.issue("client", Date.now() - 5_000);
    expect(await statusOf(verifySiweLogin(await signedLogin(nonce), { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses a message signed for another domain", async () => {
    const nonces = new NonceStore();
    const { nonce, token } = await nonces.issue();
    const login = await signedLogin(nonce, { domain: "evil.example", uri: "https://evil.example/admin" });
    expect(await statusOf(verifySiweLogin(login, { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses an expired message", async () => {
    const nonces = new NonceStore();
    const issuedAt = new Date(Date.now() - 3 * 60_000);
    const { nonce, token } = await nonces.issue();
    const login = await signedLogin(nonce, { issuedAt, expirationTime: new Date(Date.now() - 60_000) });
    expect(await statusOf(verifySiweLogin(login, { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses another chain and a signature by someone else", async () => {
    const nonces = new NonceStore();
    const first = await nonces.issue();
    expect(
      await statusOf(verifySiweLogin(await signedLogin(first.nonce, { chainId: 1 }), { origin: ORIGIN, nonceToken: first.token, chainId: CHAIN_ID, nonces })),
    ).toBe(401);
    const impostor = privateKeyToAccount(generatePrivateKey());
    const second = await nonces.issue();
    expect(
      await statusOf(verifySiweLogin(await signedLogin(second.nonce, {}, impostor), { origin: ORIGIN, nonceToken: second.token, chainId: CHAIN_ID, nonces })),
    ).toBe(401);
  });
});

describe("NonceStore", () => {
  it("refuses a nonce presented without the pre-login token it was issued with, or with another browser's", async () => {
    const nonces = new NonceStore();
    const mine = await nonces.issue("a");
    const theirs = await nonces.issue("b");
    const context = (nonceToken: string | undefined) => ({ origin: ORIGIN, nonceToken, chainId: CHAIN_ID, nonces });
    expect(await statusOf(verifySiweLogin(await signedLogin(mine.nonce), context(undefined)))).toBe(401);
    expect(await statusOf(verifySiweLogin(await signedLogin(theirs.nonce), context(mine.token)))).toBe(401);
  });

  it("keeps other clients' pending nonces however many one client asks for", async () => {
    const nonces = new NonceStore({ ttlMs: 60_000, maxEntries: 1_000, maxPerClient: 5 });
    const now = Date.now();
    const victim = await nonces.issue("198.51.100.7", now);
    for (let i = 0; i < 300; i++) await nonces.issue("203.0.113.66", now);
    expect(await nonces.size(now)).toBe(6);
    expect(await nonces.consume(victim.nonce, victim.token, now)).toBe(true);
  });

  it("answers 429 rather than evicting when every slot is pending, and frees slots as nonces expire", async () => {
    const nonces = new NonceStore({ ttlMs: 1_000, maxEntries: 3, maxPerClient: 5 });
    const kept = [];
    for (const i of [1, 2, 3]) kept.push(await nonces.issue(`client-${i}`, i));
    await expect(nonces.issue("late", 500)).rejects.toMatchObject({ status: 429 });
    for (const { nonce, token } of kept.slice(1)) expect(await nonces.consume(nonce, token, 500)).toBe(true);
    expect((await nonces.issue("after-expiry", 1_500)).nonce).toBeTruthy();
    expect(await nonces.size(1_500)).toBe(1);
    expect(await query("select nonce from siwe_nonce")).toHaveLength(1); // the expired first entry was swept on that issue
  });
});

describe("admin session cookie", () => {
  it("is refused everywhere once revoked (sign-out), even as a copy", async () => {
    const session = { id: "session-revoked", address: account.address, chainId: CHAIN_ID, expiresAt: Math.floor(Date.now() / 1000) + 60 };
    const cookie = encodeSession(session);
    const copy = `${cookie}`;
    expect(decodeSession(copy)).toEqual(session);
    expect(await revokeSession(session)).toBe(true);
    expect(decodeSession(copy)).toBeNull();
    expect(await readSession(copy)).toBeNull();
    expect(await query("select session_id from web_session_revoked")).toEqual([{ session_id: "session-revoked" }]);
  });

  it("is refused by readSession once another process recorded its revocation, before this one heard of it", async () => {
    const session = { id: "session-elsewhere", address: account.address, chainId: CHAIN_ID, expiresAt: Math.floor(Date.now() / 1000) + 60 };
    const cookie = encodeSession(session);
    expect(await readSession(cookie)).toEqual(session);
    await getPool().query("insert into web_session_revoked (session_id, expires_at) values ($1, now() + interval '1 minute')", [session.id]);
    expect(await readSession(cookie)).toBeNull();
    expect(decodeSession(cookie)).toBeNull(); // and the local mirror learnt it
  });

  it("round-trips and rejects tampering and expiry", () => {
    const session = { id: "session-1", address: account.address, chainId: CHAIN_ID, expiresAt: Math.floor(Date.now() / 1000) + 60 };
    const cookie = encodeSession(session);
    expect(decodeSession(cookie)).toEqual(session);
    const [payload, mac] = cookie.split(".");
    const forged = Buffer.from(JSON.stringify({ ...session, address: privateKeyToAccount(generatePrivateKey()).address })).toString("base64url");
    expect(decodeSession(`${forged}.${mac}`)).toBeNull();
    expect(decodeSession(`${payload}.${mac}x`)).toBeNull();
    expect(decodeSession(cookie, (session.expiresAt + 1) * 1000)).toBeNull();
  });
});
