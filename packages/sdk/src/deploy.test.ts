import { spawn, execFile } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, getAddress, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { leaseEscrowAbi, providerRegistryAbi } from "./contracts.generated";
import { ARBITER_ROLE, PAUSER_ROLE, defaultDeployParameters, deployGridlease } from "./deploy";

const ROOT = resolve(__dirname, "../../..");
const MNEMONIC = "test test test test test test test test test test test junk";
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

async function startHardhatNode(port: number): Promise<ChildProcess> {
  const node = spawn(join(ROOT, "node_modules/.bin/hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((done, fail) => {
    let output = "";
    // `hardhat node` compiles first; on a fresh clone solcjs alone takes a while.
    const timer = setTimeout(() => fail(new Error(`hardhat node did not start:\n${output}`)), 150_000);
    node.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP")) {
        clearTimeout(timer);
        done();
      }
    });
    node.on("exit", (code) => fail(new Error(`hardhat node exited with ${code}:\n${output}`)));
  });
  return node;
}

describe("deployGridlease and scripts/deploy.ts against a real Hardhat node", () => {
  let node: ChildProcess;
  let rpcUrl: string;
  const workDir = mkdtempSync(join(tmpdir(), "gridlease-deploy-"));
  const deploymentsFile = join(workDir, "deployments.generated.ts");

  beforeAll(async () => {
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = await startHardhatNode(port);
  }, 180_000);

  afterAll(() => {
    node?.kill();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("deploys and wires token, registry and escrow", async () => {
    const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
    const deployer = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
    const arbiter = mnemonicToAccount(MNEMONIC, { addressIndex: 1 }).address;
    const treasury = mnemonicToAccount(MNEMONIC, { addressIndex: 2 }).address;
    const walletClient = createWalletClient({ account: deployer, chain, transport: http(rpcUrl) });
    const lines: string[] = [];
    const deployment = await deployGridlease({ walletClient, publicClient, arbiter, treasury, log: (l) => lines.push(l) });

    expect(deployment.chainId).toBe(31337);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const block = await publicClient.getBlock({ blockNumber: deployment.registry.deployBlock });
    expect(deployment.deployBlockHash).toBe(block.hash);
    const { registry, escrow, token } = deployment;
    const readRegistry = (functionName: "escrow" | "minStake" | "stakeToken") =>
      publicClient.readContract({ address: registry.address, abi: providerRegistryAbi, functionName });
    expect(await readRegistry("escrow")).toBe(getAddress(escrow.address));
    expect(await readRegistry("minStake")).toBe(defaultDeployParameters.minStake);
    expect(await readRegistry("stakeToken")).toBe(getAddress(token.address));
    const readEscrow = { address: escrow.address, abi: leaseEscrowAbi } as const;
    expect(await publicClient.readContract({ ...readEscrow, functionName: "isTokenAllowed", args: [token.address] })).toBe(true);
    expect(await publicClient.readContract({ ...readEscrow, functionName: "treasury" })).toBe(getAddress(treasury));
    expect(await publicClient.readContract({ ...readEscrow, functionName: "feeBps" })).toBe(defaultDeployParameters.feeBps);
    expect(await publicClient.readContract({ ...readEscrow, functionName: "hasRole", args: [ARBITER_ROLE, arbiter] })).toBe(true);
    expect(
      await publicClient.readContract({ ...readEscrow, functionName: "hasRole", args: [PAUSER_ROLE, deployer.address] }),
    ).toBe(true);
  }, 60_000);

  it("the deploy script deploys once, reuses the deployment, and redeploys after a chain reset", async () => {
    const env = { ...process.env, RPC_URL: rpcUrl, DEPLOYMENTS_FILE: deploymentsFile };
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const first = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(first.stdout).toContain("deployed LeaseEscrow");
    const written = readFileSync(deploymentsFile, "utf8");
    expect(written).toMatch(/31337: \{\n {4}token: \{ address: "0x[0-9a-fA-F]{40}", deployBlock: \d+n \}/);

    const second = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(second.stdout).toContain("contracts: reusing deployment at");
    expect(readFileSync(deploymentsFile, "utf8")).toBe(written);

    await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_reset", params: [] }) });
    const third = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(third.stdout).toContain("not on this chain");
    expect(third.stdout).toContain("deployed LeaseEscrow");

    const module = await import(deploymentsFile);
    expect(() => module.getDeployment(1)).toThrow(/No Gridlease deployment is recorded for chain id 1/);
    expect(module.getDeployment(31337).registry.address).toMatch(/^0x/);
  }, 120_000);

  it("rejects a malformed environment with a clear message", async () => {
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const failure = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env: { ...process.env, RPC_URL: "not a url", DEPLOYMENTS_FILE: deploymentsFile } }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("Invalid deploy environment: RPC_URL");
  }, 60_000);
});
