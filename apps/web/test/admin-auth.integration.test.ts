import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { createSiweMessage } from "viem/siwe";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { ARBITER_ROLE, deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { HARDHAT_MNEMONIC } from "@/lib/wallet/dev-accounts";
import { call, HOST, ORIGIN, relaxRateLimits, type Handler } from "./route-harness";

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
let routes: { nonce: Handler; verify: Handler; disputes: Handler };

async function signIn(who: HDAccount, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
  const nonceResponse = await call(routes.nonce, { method: "POST", headers: { origin: ORIGIN } });
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const issuedAt = new Date();
  const message = createSiweMessage({
    address: who.address, chainId: 31337, domain: HOST, uri: ORIGIN, version: "1", nonce, issuedAt,
    expirationTime: new Date(issuedAt.getTime() + 5 * 60_000), ...overrides,
  });
  return JSON.stringify({ message, signature: await who.signMessage({ message }) });
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
  };
}, 120_000);

afterAll(async () => {
  const { closeDatabaseClients } = await import("@gridlease/db/client");
  await closeDatabaseClients();
  await node?.stop();
  await pg?.stop();
});

function sessionCookie(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  return header.split(";")[0]!;
}

describe("arbiter sign-in against a real chain", () => {
  it("signs in the arbiter, opens the queue with the session, and refuses the replayed message", async () => {
    const body = await signIn(arbiter);
    const response = await call(routes.verify, { method: "POST", body, headers: { origin: ORIGIN } });
    expect(response.status).toBe(200);
    const cookie = sessionCookie(response);
    expect(cookie).toMatch(/^gridlease_admin=/);
    expect(response.headers.get("set-cookie")).toMatch(/HttpOnly/);

    const queue = await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie } });
    expect(queue.status).toBe(200);
    expect(await queue.json()).toMatchObject({ arbiter: arbiter.address, open: [], decided: [] });

    const replay = await call(routes.verify, { method: "POST", body, headers: { origin: ORIGIN } });
    expect(replay.status).toBe(401);
  });

  it("refuses an account without the arbiter role with 403 and sets no session", async () => {
    const response = await call(routes.verify, { method: "POST", body: await signIn(stranger), headers: { origin: ORIGIN } });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("checks the role on every request: revoking it on-chain closes an existing session", async () => {
    const response = await call(routes.verify, { method: "POST", body: await signIn(arbiter), headers: { origin: ORIGIN } });
    const cookie = sessionCookie(response);
    const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
    const walletClient = createWalletClient({ account: admin, chain, transport: http(rpcUrl) });
    const hash = await walletClient.writeContract({
      address: deployment.escrow.address as Address, abi: leaseEscrowAbi, functionName: "revokeRole", args: [ARBITER_ROLE, arbiter.address],
    });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    const queue = await call(routes.disputes, { path: "/api/admin/disputes", headers: { cookie } });
    expect(queue.status).toBe(403);
  });
});
