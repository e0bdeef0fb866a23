import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { ApiError } from "@/lib/api";
import { NonceStore } from "./nonce-store";
import { decodeSession, encodeSession, revokeSession } from "./session";
import { verifySiweLogin } from "./siwe";

const DOMAIN = "127.0.0.1:3100";
const ORIGIN = new URL(`http://${DOMAIN}`);
const CHAIN_ID = 31337;
const account = privateKeyToAccount(generatePrivateKey());

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
    const { nonce, token } = nonces.issue();
    const login = await signedLogin(nonce);
    const context = { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces };
    await expect(verifySiweLogin(login, context)).resolves.toEqual({ address: account.address });
    expect(await statusOf(verifySiweLogin(login, context))).toBe(401);
  });

  it("refuses a second message that reuses a consumed nonce", async () => {
    const nonces = new NonceStore();
    const { nonce, token } = nonces.issue();
    const context = { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces };
    await verifySiweLogin(await signedLogin(nonce), context);
    const again = await signedLogin(nonce, { statement: "A different statement, same nonce." });
    expect(await statusOf(verifySiweLogin(again, context))).toBe(401);
  });

  it("refuses nonces it never issued and nonces past their expiry", async () => {
    const nonces = new NonceStore({ ttlMs: 1_000, maxEntries: 10 });
    expect(await statusOf(verifySiweLogin(await signedLogin("abcdefgh12345678"), { origin: ORIGIN, nonceToken: "x", chainId: CHAIN_ID, nonces }))).toBe(401);
    const { nonce, token } = nonces.issue("client", Date.now() - 5_000);
    expect(await statusOf(verifySiweLogin(await signedLogin(nonce), { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses a message signed for another domain", async () => {
    const nonces = new NonceStore();
    const { nonce, token } = nonces.issue();
    const login = await signedLogin(nonce, { domain: "evil.example", uri: "https://evil.example/admin" });
    expect(await statusOf(verifySiweLogin(login, { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses an expired message", async () => {
    const nonces = new NonceStore();
    const issuedAt = new Date(Date.now() - 3 * 60_000);
    const { nonce, token } = nonces.issue();
    const login = await signedLogin(nonce, { issuedAt, expirationTime: new Date(Date.now() - 60_000) });
    expect(await statusOf(verifySiweLogin(login, { origin: ORIGIN, nonceToken: token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses another chain and a signature by someone else", async () => {
    const nonces = new NonceStore();
    const first = nonces.issue();
    expect(await statusOf(verifySiweLogin(await signedLogin(first.nonce, { chainId: 1 }), { origin: ORIGIN, nonceToken: first.token, chainId: CHAIN_ID, nonces }))).toBe(401);
    const impostor = privateKeyToAccount(generatePrivateKey());
    const second = nonces.issue();
    expect(await statusOf(verifySiweLogin(await signedLogin(second.nonce, {}, impostor), { origin: ORIGIN, nonceToken: second.token, chainId: CHAIN_ID, nonces }))).toBe(401);
  });
});

describe("NonceStore", () => {
  it("refuses a nonce presented without the pre-login token it was issued with, or with another browser's", async () => {
    const nonces = new NonceStore();
    const mine = nonces.issue("a");
    const theirs = nonces.issue("b");
    const context = (nonceToken: string | undefined) => ({ origin: ORIGIN, nonceToken, chainId: CHAIN_ID, nonces });
    expect(await statusOf(verifySiweLogin(await signedLogin(mine.nonce), context(undefined)))).toBe(401);
    expect(await statusOf(verifySiweLogin(await signedLogin(theirs.nonce), context(mine.token)))).toBe(401);
  });

  it("keeps other clients' pending nonces however many one client asks for", () => {
    const nonces = new NonceStore({ ttlMs: 60_000, maxEntries: 1_000, maxPerClient: 5 });
    const now = Date.now();
    const victim = nonces.issue("198.51.100.7", now);
    for (let i = 0; i < 50_000; i++) nonces.issue("203.0.113.66", now);
    expect(nonces.size).toBe(6);
    expect(nonces.consume(victim.nonce, victim.token, now)).toBe(true);
  });

  it("answers 429 rather than evicting when every slot is pending, and frees slots as nonces expire", () => {
    const nonces = new NonceStore({ ttlMs: 1_000, maxEntries: 3, maxPerClient: 5 });
    const kept = [1, 2, 3].map((i) => nonces.issue(`client-${i}`, 0));
    expect(() => nonces.issue("late", 500)).toThrow(expect.objectContaining({ status: 429 }));
    for (const { nonce, token } of kept.slice(1)) expect(nonces.consume(nonce, token, 500)).toBe(true);
    expect(nonces.issue("after-expiry", 1_500).nonce).toBeTruthy();
    expect(nonces.size).toBe(1); // the expired first entry was swept on that issue
  });
});

describe("admin session cookie", () => {
  it("is refused everywhere once revoked (sign-out), even as a copy", () => {
    const session = { id: "session-revoked", address: account.address, chainId: CHAIN_ID, expiresAt: Math.floor(Date.now() / 1000) + 60 };
    const cookie = encodeSession(session);
    const copy = `${cookie}`;
    expect(decodeSession(copy)).toEqual(session);
    revokeSession(session);
    expect(decodeSession(copy)).toBeNull();
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
