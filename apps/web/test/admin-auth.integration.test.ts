import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, encodeFunctionData, http, zeroHash, type Address } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { ARBITER_ROLE, deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { gridleaseTimelockAbi, leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { HARDHAT_MNEMONIC } from "@/lib/wallet/dev-accounts";
import { siweBody, type SiweOverrides } from "./fixtures/siwe";
import { call, ORIGIN, relaxRateLimits, type Handler } from "./route-harness";

// Real parts: a Hardhat node with the Gridlease contracts, embedded PostgreSQL with the migrations,
// and the route handlers in-process. The on-chain role is the only source of admin rights.
const account = (index: number): HDAccount => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
const admin = account(0);
const arbiter = account(1);
const stranger = account(5);

let node: HardhatNode;
let pg: RunningPostgres;
let deployment: GridleaseDeployment;
let rpcUrl: string;
let routes: { nonce: Handler; verify: Handler; disputes: Handler; session: Handler; signOut: Handler };

/** A signed sign-in body and the pre-login cookie the nonce came with (what the browser holds). */
async function signInWithCookie(who: HDAccount, overrides: SiweOverrides = {}, headers: Record<string, string> = {}) {
  const nonceResponse = await call(routes.nonce, { method: "POST", headers: { origin: ORIGIN, ...headers } });
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const setCookie = nonceResponse.headers.get("set-cookie") ?? "";
  return { body: await siweBody(who, ORIGIN, nonce, overrides), cookie: setCookie.split(";")[0]!, setCookie };
}

/** Signs in from one browser: the verify request carries the nonce's pre-login cookie. */
async function verifyAs(who: HDAccount) {
  const { body, cookie } = await signInWithCookie(who);
  return call(routes.verify, { method: "POST", body, headers: { origin: ORIGIN, cookie } });
}

beforeAll(async () => {
  node = await startHardhatNode();
  rpcUrl = node.url;
  pg = await startTempPostgres("gridlease-web-auth-");
  await runMigrations(pg.url);

  const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const walletClient = createWalletClient({ account: admin, chain, transport: http(rpcUrl) });
  deployment = await deployGridlease({ walletClient, publicClient, arbiter: arbiter.address, treasury: account(2).address });

  process.env.DATABASE_URL = pg.url;
  process.env.RPC_URL = rpcUrl;
  process.env.CHAIN_ID = "31337";
  relaxRateLimits();
  // What the indexer writes when it starts mirroring this deployment; the web app reads it to find the contracts.
  const { getPrisma } = await import("@gridlease/db/client");
  await getPrisma().indexerCursor.create({
    data: {
      chainId: 31337,
      registryAddress: deployment.registry.address.toLowerCase(),
      escrowAddress: deployment.escrow.address.toLowerCase(),
      deployBlock: deployment.registry.deployBlock,
      deployBlockHash: deployment.deployBlockHash,
      blockNumber: deployment.escrow.deployBlock,
      blockHash: deployment.deployBlockHash,
      finalizedBlock: 0n,
    },
  });
  routes = {
    nonce: (await import("@/app/api/auth/nonce/route")).POST as Handler,
    verify: (await import("@/app/api/auth/verify/route")).POST as Handler,
    disputes: (await import("@/app/api/admin/disputes/route")).GET as Handler,
    session: (await import("@/app/api/auth/session/route")).GET as Handler,
    signOut: (await import("@/app/api/auth/session/route")).DELETE as Handler,
  };
}, 120_000);

afterAll(async () => {
  const { closeDatabaseClients } = await import("@gridlease/db/client");
  await closeDatabaseClients();
  await node?.stop();
  await pg?.stop();
});

function sessionCookie(response: Response): string {
  return response.headers
    .getSetCookie()
    .find((c) => c.startsWith("gridlease_admin="))!
    .split(";")[0]!;
}

describe("arbiter sign-in against a real chain", () => {
  it("signs in the arbiter, opens the queue with the session, and refuses the replayed message", async () => {
    const { body, cookie: prelogin } = await signInWithCookie(arbiter);
    const response = await call(routes.verify, { method: "POST", body, headers: { origin: ORIGIN, cookie: prelogin } });
    expect(response.status).toBe(200);
    const cookie = sessionCookie(response);
    expect(cookie).toMatch(/^gridlease_admin=/);
    expect(response.headers.get("set-cookie")).toMatch(/HttpOnly/);

    const queue = await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie } });
    expect(queue.status).toBe(200);
    expect(await queue.json()).toMatchObject({ arbiter: arbiter.address, open: [], decided: [] });

    const replay = await call(routes.verify, { method: "POST", body, headers: { origin: ORIGIN, cookie: prelogin } });
    expect(replay.status).toBe(401);
  });

  it("refuses an account without the arbiter role with 403 and sets no session", async () => {
    const response = await verifyAs(stranger);
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("sets the pre-login cookie HttpOnly, SameSite=Strict, for /api/auth only and about five minutes", async () => {
    const { setCookie } = await signInWithCookie(arbiter);
    expect(setCookie).toMatch(/^gridlease_siwe=[A-Za-z0-9_-]{40,};/);
    for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/api/auth", "Max-Age=300"]) expect(setCookie).toContain(attribute);
  });

  it("refuses the arbiter's sign-in relayed by a phishing site with Host: evil.example and a message for evil.example", async () => {
    // The arbiter signed on evil.example; the relay asks for a nonce and replays the signature with Host: evil.example.
    const relayHeaders = { host: "evil.example", origin: "http://evil.example" };
    const { body, cookie } = await signInWithCookie(arbiter, { domain: "evil.example", uri: "http://evil.example" }, relayHeaders);
    const response = await call(routes.verify, { method: "POST", body, headers: { ...relayHeaders, cookie } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("siwe_domain");
    expect(response.headers.getSetCookie().some((c) => c.startsWith("gridlease_admin="))).toBe(false);
  });

  it("refuses a nonce presented without its pre-login cookie, or with another browser's", async () => {
    const withoutCookie = await signInWithCookie(arbiter);
    const bare = await call(routes.verify, { method: "POST", body: withoutCookie.body, headers: { origin: ORIGIN } });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe("siwe_nonce");

    const victim = await signInWithCookie(arbiter);
    const attacker = await signInWithCookie(stranger);
    const crossed = await call(routes.verify, { method: "POST", body: victim.body, headers: { origin: ORIGIN, cookie: attacker.cookie } });
    expect(crossed.status).toBe(401);
  });

  it("revokes the session on sign-out: a copy of the cookie stops working, and sessions last one hour", async () => {
    const response = await verifyAs(arbiter);
    expect(response.status).toBe(200);
    const { expiresAt } = (await response.json()) as { expiresAt: number };
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(3600);
    expect(response.headers.getSetCookie().find((c) => c.startsWith("gridlease_admin="))).toContain("Max-Age=3600");
    const copied = sessionCookie(response);
    expect((await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie: copied } })).status).toBe(200);

    const out = await call(routes.signOut, { method: "DELETE", path: "/api/auth/session", headers: { origin: ORIGIN, cookie: copied } });
    expect(out.status).toBe(200);
    expect((await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie: copied } })).status).toBe(401);
    const session = await call(routes.session, { path: "/api/auth/session", headers: { cookie: copied } });
    expect(await session.json()).toEqual({ session: null });
  });

  it("checks the role on every request: revoking it on-chain closes an existing session", async () => {
    const response = await verifyAs(arbiter);
    const cookie = sessionCookie(response);
    const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
    const walletClient = createWalletClient({ account: admin, chain, transport: http(rpcUrl) });
    // Contracts v2: the admin acts through the timelock (one-second delay on the local chain).
    const revoke = encodeFunctionData({ abi: leaseEscrowAbi, functionName: "revokeRole", args: [ARBITER_ROLE, arbiter.address] });
    const operation = [deployment.escrow.address as Address, 0n, revoke, zeroHash, zeroHash] as const;
    const timelock = { address: deployment.timelock!.address, abi: gridleaseTimelockAbi } as const;
    let hash = await walletClient.writeContract({ ...timelock, functionName: "schedule", args: [...operation, 1n] });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await publicClient.request({ method: "evm_increaseTime", params: [2] } as never);
    hash = await walletClient.writeContract({ ...timelock, functionName: "execute", args: operation });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    const queue = await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie } });
    expect(queue.status).toBe(403);
  });
});
