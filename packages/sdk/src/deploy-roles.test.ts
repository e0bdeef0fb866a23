// scripts/deploy.ts off the local chain: a real `hardhat node` started with chain id 1337 stands in
// for a public chain, and the real script is run against it the way an operator would.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, encodeFunctionData, getAddress, http, parseAbi, zeroHash, type Address } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { gridleaseTimelockAbi, leaseEscrowAbi, mockUsdcAbi, mockUsdcBytecode, providerRegistryAbi } from "./contracts.generated";
import { ARBITER_ROLE, HARDHAT_MNEMONIC, PAUSER_ROLE } from "./protocol";
import { nodeRpc, REPO_ROOT, startHardhatNode, type HardhatNode } from "./local-chain";

const CHAIN_ID = 1337;
const MNEMONIC = HARDHAT_MNEMONIC;
const TSX = join(REPO_ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);
const devAccount = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index }).address;
const freshAddress = () => privateKeyToAccount(generatePrivateKey()).address;
const adminRulesAbi = parseAbi([
  "function pendingDefaultAdmin() view returns (address, uint48)",
  "function defaultAdmin() view returns (address)",
  "function acceptDefaultAdminTransfer()",
]);

describe("scripts/deploy.ts on a chain other than 31337", () => {
  let node: HardhatNode;
  const workDir = mkdtempSync(join(tmpdir(), "gridlease-deploy-roles-"));
  const deployerKey = generatePrivateKey();
  const deployer = privateKeyToAccount(deployerKey).address;
  let paymentToken: string;

  beforeAll(async () => {
    node = await startHardhatNode({ chainId: CHAIN_ID });
    // The fresh deployer needs gas; the node's own cheat code funds it.
    await rpc("hardhat_setBalance", [deployer, "0x56BC75E2D63100000"]);
    // The chain's payment token, there before Gridlease (off the local chain no mock is deployed for it).
    const issuer = privateKeyToAccount(generatePrivateKey());
    await rpc("hardhat_setBalance", [issuer.address, "0x56BC75E2D63100000"]);
    const hash = await createWalletClient({ account: issuer, transport: http(node.url) }).deployContract({
      abi: mockUsdcAbi,
      bytecode: mockUsdcBytecode as `0x${string}`,
      chain: null,
    });
    paymentToken = (await createPublicClient({ transport: http(node.url) }).waitForTransactionReceipt({ hash })).contractAddress!;
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const rpc = (method: string, params: unknown[]) => nodeRpc(node.url, method, params);

  let runs = 0;
  async function deploy(vars: Record<string, string | undefined>) {
    // Drop anything the caller's shell might set, so only `vars` decide the roles.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ADMIN: undefined,
      PAUSER: undefined,
      ARBITER: undefined,
      TREASURY: undefined,
      DEPLOYER_PRIVATE_KEY: undefined,
      CHAIN_ID: undefined,
    };
    Object.assign(env, { RPC_URL: node.url, DEPLOYMENTS_FILE: join(workDir, `deployments-${++runs}.ts`) }, vars);
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    return run(TSX, ["scripts/deploy.ts"], { cwd: REPO_ROOT, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  }

  const explicitRoles = () => ({
    DEPLOYER_PRIVATE_KEY: deployerKey,
    ADMIN: freshAddress(),
    PAUSER: freshAddress(),
    ARBITER: freshAddress(),
    TREASURY: freshAddress(),
    PAYMENT_TOKEN: paymentToken,
    FINALITY_DEPTH: "12",
  });

  it("refuses to deploy without ARBITER and says so by name", async () => {
    const result = await deploy({ ...explicitRoles(), ARBITER: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ARBITER is required on chain ${CHAIN_ID}`);
    expect(result.stdout).not.toContain("deployed");
  }, 60_000);

  it("names every missing role and the missing deployer key at once", async () => {
    const result = await deploy({});
    expect(result.code).toBe(1);
    for (const name of ["DEPLOYER_KEY_FILE (or DEPLOYER_PRIVATE_KEY)", "ADMIN", "PAUSER", "ARBITER", "TREASURY"]) {
      expect(result.stderr).toContain(`${name} is required on chain ${CHAIN_ID}`);
    }
  }, 60_000);

  it("refuses Hardhat account #1 as ARBITER because its key is public", async () => {
    const result = await deploy({ ...explicitRoles(), ARBITER: devAccount(1) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ARBITER is ${devAccount(1)}, development account #1`);
    expect(result.stdout).not.toContain("deployed");
  }, 60_000);

  it("refuses the last funded development account, the zero address and a development deployer key", async () => {
    // Account #19's key, derived from the same public mnemonic.
    const devKey = `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: 19 }).getHdKey().privateKey!).toString("hex")}`;
    const result = await deploy({
      ...explicitRoles(),
      DEPLOYER_PRIVATE_KEY: devKey,
      TREASURY: "0x0000000000000000000000000000000000000000",
      PAUSER: devAccount(19),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DEPLOYER_PRIVATE_KEY's account is ${devAccount(19)}, development account #19`);
    expect(result.stderr).toContain("TREASURY is the zero address");
    expect(result.stderr).toContain(`PAUSER is ${devAccount(19)}, development account #19`);
  }, 60_000);

  it("deploys with explicit fresh addresses and puts every role on them, none left with the deployer", async () => {
    const roles = explicitRoles();
    const result = await deploy(roles);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [, registryAddress] = result.stdout.match(/deployed ProviderRegistry at (0x[0-9a-fA-F]{40})/)!;
    const [, escrowAddress] = result.stdout.match(/deployed LeaseEscrow at (0x[0-9a-fA-F]{40})/)!;
    const timelock = getAddress(result.stdout.match(/deployed GridleaseTimelock at (0x[0-9a-fA-F]{40})/)![1]);
    const client = createPublicClient({ transport: http(node.url) });
    expect(await client.getChainId()).toBe(CHAIN_ID);
    const escrow = { address: escrowAddress as Address, abi: leaseEscrowAbi } as const;
    const registry = { address: registryAddress as Address, abi: providerRegistryAbi } as const;

    expect(await client.readContract({ ...escrow, functionName: "treasury" })).toBe(getAddress(roles.TREASURY));
    expect(await client.readContract({ ...escrow, functionName: "hasRole", args: [ARBITER_ROLE, roles.ARBITER as Address] })).toBe(true);
    expect(await client.readContract({ ...escrow, functionName: "hasRole", args: [ARBITER_ROLE, deployer] })).toBe(false);
    for (const target of [escrow, registry]) {
      const hasRole = (role: `0x${string}`, who: string) =>
        client.readContract({ address: target.address, abi: leaseEscrowAbi, functionName: "hasRole", args: [role, who as Address] });
      expect(await hasRole(PAUSER_ROLE, roles.PAUSER)).toBe(true);
      expect(await hasRole(PAUSER_ROLE, deployer)).toBe(false);
      const [pendingAdmin] = await client.readContract({ address: target.address, abi: adminRulesAbi, functionName: "pendingDefaultAdmin" });
      expect(pendingAdmin).toBe(timelock);
    }
    expect(result.stdout).toContain(`admin transfer to timelock ${timelock} (proposer ${getAddress(roles.ADMIN)}) started`);

    // The admin completes the handover through the timelock after its 48 h delay (impersonated: its
    // key stays with the operator), after which the deployer holds nothing and the timelock is admin.
    await rpc("hardhat_impersonateAccount", [roles.ADMIN]);
    await rpc("hardhat_setBalance", [roles.ADMIN, "0xDE0B6B3A7640000"]);
    const admin = createWalletClient({ account: roles.ADMIN as Address, transport: http(node.url) });
    const accept = encodeFunctionData({ abi: adminRulesAbi, functionName: "acceptDefaultAdminTransfer" });
    const batch = [[escrow.address, registry.address], [0n, 0n], [accept, accept], zeroHash, zeroHash] as const;
    const timelockContract = { address: timelock, abi: gridleaseTimelockAbi, chain: null } as const;
    expect(await client.readContract({ ...timelockContract, functionName: "getMinDelay" })).toBe(2n * 86_400n);
    let hash = await admin.writeContract({ ...timelockContract, functionName: "scheduleBatch", args: [...batch, 2n * 86_400n] });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    await rpc("evm_increaseTime", [2 * 86_400]);
    hash = await admin.writeContract({ ...timelockContract, functionName: "executeBatch", args: batch });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    for (const target of [escrow, registry]) {
      expect(await client.readContract({ address: target.address, abi: adminRulesAbi, functionName: "defaultAdmin" })).toBe(timelock);
    }
  }, 120_000);
});
