import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { ApiError } from "@/lib/api";
import { NonceStore } from "./nonce-store";
import { decodeSession, encodeSession } from "./session";
import { verifySiweLogin } from "./siwe";

const DOMAIN = "127.0.0.1:3100";
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
    const login = await signedLogin(nonces.issue().nonce);
    const context = { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces };
    await expect(verifySiweLogin(login, context)).resolves.toEqual({ address: account.address });
    expect(await statusOf(verifySiweLogin(login, context))).toBe(401);
  });

  it("refuses a second message that reuses a consumed nonce", async () => {
    const nonces = new NonceStore();
    const { nonce } = nonces.issue();
    const context = { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces };
    await verifySiweLogin(await signedLogin(nonce), context);
    const again = await signedLogin(nonce, { statement: "A different statement, same nonce." });
    expect(await statusOf(verifySiweLogin(again, context))).toBe(401);
  });

  it("refuses nonces it never issued and nonces past their expiry", async () => {
    const nonces = new NonceStore({ ttlMs: 1_000, maxEntries: 10 });
    const context = { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces };
    expect(await statusOf(verifySiweLogin(await signedLogin("abcdefgh12345678"), context))).toBe(401);
    const { nonce } = nonces.issue(Date.now() - 5_000);
    expect(await statusOf(verifySiweLogin(await signedLogin(nonce), context))).toBe(401);
  });

  it("refuses a message signed for another domain", async () => {
    const nonces = new NonceStore();
    const login = await signedLogin(nonces.issue().nonce, { domain: "evil.example", uri: "https://evil.example/admin" });
    expect(await statusOf(verifySiweLogin(login, { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses an expired message", async () => {
    const nonces = new NonceStore();
    const issuedAt = new Date(Date.now() - 3 * 60_000);
    const login = await signedLogin(nonces.issue().nonce, { issuedAt, expirationTime: new Date(Date.now() - 60_000) });
    expect(await statusOf(verifySiweLogin(login, { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces }))).toBe(401);
  });

  it("refuses another chain and a signature by someone else", async () => {
    const nonces = new NonceStore();
    const context = { expectedDomain: DOMAIN, chainId: CHAIN_ID, nonces };
    expect(await statusOf(verifySiweLogin(await signedLogin(nonces.issue().nonce, { chainId: 1 }), context))).toBe(401);
    const impostor = privateKeyToAccount(generatePrivateKey());
    expect(await statusOf(verifySiweLogin(await signedLogin(nonces.issue().nonce, {}, impostor), context))).toBe(401);
  });
});

describe("admin session cookie", () => {
  it("round-trips and rejects tampering and expiry", () => {
    const session = { address: account.address, chainId: CHAIN_ID, expiresAt: Math.floor(Date.now() / 1000) + 60 };
    const cookie = encodeSession(session);
    expect(decodeSession(cookie)).toEqual(session);
    const [payload, mac] = cookie.split(".");
    const forged = Buffer.from(JSON.stringify({ ...session, address: privateKeyToAccount(generatePrivateKey()).address })).toString("base64url");
    expect(decodeSession(`${forged}.${mac}`)).toBeNull();
    expect(decodeSession(`${payload}.${mac}x`)).toBeNull();
    expect(decodeSession(cookie, (session.expiresAt + 1) * 1000)).toBeNull();
  });
});
