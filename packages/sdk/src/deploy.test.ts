import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, getAddress, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { gridleaseTimelockAbi, leaseEscrowAbi, leaseLivenessAbi, leaseTopUpsAbi, providerRegistryAbi } from "./contracts.generated";
import { defaultDeployParameters, deployGridlease } from "./deploy";
import { LOCAL_LIVENESS_CONFIG } from "./liveness";
import { ARBITER_ROLE, HARDHAT_MNEMONIC, PAUSER_ROLE } from "./protocol";
import { REPO_ROOT, startHardhatNode, type HardhatNode } from "./local-chain";

const ROOT = REPO_ROOT;
const MNEMONIC = HARDHAT_MNEMONIC;
const run = promisify(execFile);

describe("deployGridlease and scripts/deploy.ts against a real Hardhat node", () => {
  let node: HardhatNode;
  let rpcUrl: string;
  const workDir = mkdtempSync(join(tmpdir(), "gridlease-deploy-"));
  const deploymentsFile = join(workDir, "deployments.generated.ts");

  beforeAll(async () => {
    node = await startHardhatNode();
    rpcUrl = node.url;
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
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
    expect(await publicClient.readContract({ ...readEscrow, functionName: "hasRole", args: [PAUSER_ROLE, deployer.address] })).toBe(true);
    // Admin power sits behind the timelock, with the local one-second delay.
    expect(await publicClient.readContract({ ...readEscrow, functionName: "defaultAdmin" })).toBe(getAddress(deployment.timelock!.address));
    expect(await publicClient.readContract({ address: registry.address, abi: providerRegistryAbi, functionName: "defaultAdmin" })).toBe(
      getAddress(deployment.timelock!.address),
    );
    expect(await publicClient.readContract({ address: deployment.timelock!.address, abi: gridleaseTimelockAbi, functionName: "getMinDelay" })).toBe(1n);
    // LeaseTopUps serves this escrow and may pull from nobody but renters who approved it.
    expect(await publicClient.readContract({ address: deployment.topUps.address, abi: leaseTopUpsAbi, functionName: "escrow" })).toBe(
      getAddress(escrow.address),
    );
    // The escrow created its LeaseLiveness, with the local profile's windows (seconds) on the local chain.
    expect(await publicClient.readContract({ ...readEscrow, functionName: "liveness" })).toBe(deployment.liveness.address);
    const readLiveness = (functionName: "escrow" | "challengeWindow" | "grace" | "maxOutageAge") =>
      publicClient.readContract({ address: deployment.liveness.address, abi: leaseLivenessAbi, functionName });
    expect(await readLiveness("escrow")).toBe(getAddress(escrow.address));
    expect(await readLiveness("challengeWindow")).toBe(BigInt(LOCAL_LIVENESS_CONFIG.challengeWindow));
    expect(await readLiveness("grace")).toBe(BigInt(LOCAL_LIVENESS_CONFIG.grace));
    expect(await readLiveness("maxOutageAge")).toBe(BigInt(LOCAL_LIVENESS_CONFIG.maxOutageAge));
    expect(deployment.liveness.deployBlock).toBe(escrow.deployBlock);
  }, 60_000);

  it("the deploy script deploys once, reuses the deployment, and redeploys after a chain reset", async () => {
    const env = { ...process.env, RPC_URL: rpcUrl, DEPLOYMENTS_FILE: deploymentsFile };
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const first = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(first.stdout).toContain("deployed LeaseEscrow");
    const written = readFileSync(deploymentsFile, "utf8");
    expect(written).toMatch(/31337: \{\n {4}token: \{ address: "0x[0-9a-fA-F]{40}", deployBlock: \d+n \}/);
    expect(written).toMatch(/ {4}liveness: \{ address: "0x[0-9a-fA-F]{40}", deployBlock: \d+n \}/);

    const second = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(second.stdout).toContain("contracts: reusing deployment at");
    expect(readFileSync(deploymentsFile, "utf8")).toBe(written);

    // A chain deployed before LeaseTopUps existed gets LeaseTopUps alone, and its record gains it.
    expect(written).toMatch(/ {4}topUps: \{ address: "0x[0-9a-fA-F]{40}", deployBlock: \d+n \}/);
    writeFileSync(deploymentsFile, written.replace(/ {4}topUps: .*\n/, ""));
    const upgrade = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(upgrade.stdout).toContain("deployed LeaseTopUps");
    expect(upgrade.stdout).not.toContain("deployed LeaseEscrow");
    expect(readFileSync(deploymentsFile, "utf8")).toMatch(/ {4}topUps: \{ address: "0x[0-9a-fA-F]{40}", deployBlock: \d+n \}/);

    await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_reset", params: [] }),
    });
    const third = await run(tsx, ["scripts/deploy.ts"], { cwd: ROOT, env });
    expect(third.stdout).toContain("not on this chain");
    expect(third.stdout).toContain("deployed LeaseEscrow");

    const module = await import(deploymentsFile);
    expect(() => module.getDeployment(1)).toThrow(/No Gridlease deployment is recorded for chain id 1/);
    expect(module.getDeployment(31337).registry.address).toMatch(/^0x/);
  }, 120_000);

  it("rejects a malformed environment with a clear message", async () => {
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const failure = await run(tsx, ["scripts/deploy.ts"], {
      cwd: ROOT,
      env: { ...process.env, RPC_URL: "not a url", DEPLOYMENTS_FILE: deploymentsFile },
    }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("Invalid deploy environment: RPC_URL");
  }, 60_000);
});
