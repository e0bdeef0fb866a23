// `pnpm deploy:contracts` against a fresh chain playing a public one (a real `hardhat node` with chain
// id 1337): the chain's "USDC" is a token someone else deployed earlier, the deployer key comes from an
// encrypted key file, the admin is a timelock proposed by a fresh (multisig) address, the finality depth
// is above 0, and source verification goes to a local HTTP server playing an Etherscan-compatible API.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, decodeAbiParameters, getAddress, http, type AbiParameter, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { gridleaseTimelockAbi, leaseEscrowAbi, leaseLivenessAbi, mockUsdcAbi, mockUsdcBytecode, providerRegistryAbi } from "./contracts.generated";
import { createKeyFile } from "./keyfile";
import { nodeRpc, REPO_ROOT, startHardhatNode, type HardhatNode } from "./local-chain";

const CHAIN_ID = 1337;
const FINALITY_DEPTH = 24;
const TSX = join(REPO_ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);
const fresh = () => privateKeyToAccount(generatePrivateKey()).address;
const constructorInputs = (abi: readonly unknown[]) =>
  (abi as { type: string; inputs?: AbiParameter[] }[]).find((item) => item.type === "constructor")!.inputs!;

/** What the explorer API was asked: every request's parameters (query string and form body together). */
interface ExplorerRequest {
  method: string;
  params: Record<string, string>;
}

/** Plays an Etherscan-compatible API: nothing verified yet, every submission accepted and then "Pass - Verified". */
async function startExplorer(): Promise<{ url: string; requests: ExplorerRequest[]; close(): Promise<void> }> {
  const requests: ExplorerRequest[] = [];
  let guid = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://explorer");
      const params = Object.fromEntries([...url.searchParams, ...new URLSearchParams(body)]);
      requests.push({ method: req.method ?? "GET", params });
      const answer = (json: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(json));
      if (params.action === "getsourcecode") return answer({ status: "1", message: "OK", result: [{ SourceCode: "" }] });
      if (params.action === "verifysourcecode") return answer({ status: "1", message: "OK", result: `guid-${++guid}` });
      if (params.action === "checkverifystatus") return answer({ status: "1", message: "OK", result: "Pass - Verified" });
      answer({ status: "0", message: "NOTOK", result: `unknown action ${params.action}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("pnpm deploy:contracts to a public chain", () => {
  let node: HardhatNode;
  let explorer: Awaited<ReturnType<typeof startExplorer>>;
  let usdc: Address;
  const workDir = mkdtempSync(join(tmpdir(), "gridlease-deploy-public-"));
  const deployerKey = generatePrivateKey();
  const deployer = privateKeyToAccount(deployerKey).address;
  const keyFile = join(workDir, "deployer-key.json");
  const passphraseFile = join(workDir, "passphrase");
  const client = () => createPublicClient({ transport: http(node.url) });

  const rpc = (method: string, params: unknown[]) => nodeRpc(node.url, method, params);

  beforeAll(async () => {
    [node, explorer] = await Promise.all([startHardhatNode({ chainId: CHAIN_ID }), startExplorer()]);
    // The chain's USDC: a 6-decimals token deployed by somebody else before Gridlease arrives.
    const issuerKey = generatePrivateKey();
    const issuer = privateKeyToAccount(issuerKey);
    await rpc("hardhat_setBalance", [issuer.address, "0x56BC75E2D63100000"]);
    await rpc("hardhat_setBalance", [deployer, "0x56BC75E2D63100000"]);
    const wallet = createWalletClient({ account: issuer, transport: http(node.url) });
    const hash = await wallet.deployContract({ abi: mockUsdcAbi, bytecode: mockUsdcBytecode as Hex, chain: null });
    usdc = getAddress((await client().waitForTransactionReceipt({ hash })).contractAddress!);
    writeFileSync(passphraseFile, "correct horse battery staple\n");
    await createKeyFile(keyFile, "correct horse battery staple", {
      privateKey: deployerKey,
      scryptN: 2 ** 10,
      wording: { what: "deployer key file", createWith: "gridlease keys init" },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([node?.stop(), explorer?.close()]);
    rmSync(workDir, { recursive: true, force: true });
  });

  let runs = 0;
  async function deploy(vars: Record<string, string | undefined>) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of [
      "ADMIN",
      "PAUSER",
      "ARBITER",
      "TREASURY",
      "DEPLOYER_PRIVATE_KEY",
      "DEPLOYER_KEY_FILE",
      "CHAIN_ID",
      "PAYMENT_TOKEN",
      "FINALITY_DEPTH",
      "VERIFY_API_URL",
      "VERIFY_API_KEY",
      "GRIDLEASE_PASSPHRASE",
    ])
      delete env[key];
    const deployments = join(workDir, `deployments-${++runs}.ts`);
    Object.assign(env, { RPC_URL: node.url, DEPLOYMENTS_FILE: deployments }, vars);
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const result = await run(TSX, ["scripts/deploy.ts"], { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    return { ...result, deployments };
  }

  const operator = () => ({
    DEPLOYER_KEY_FILE: keyFile,
    DEPLOYER_PASSPHRASE_FILE: passphraseFile,
    ADMIN: fresh(),
    PAUSER: fresh(),
    ARBITER: fresh(),
    TREASURY: fresh(),
  });

  it("refuses a chain without a payment token or with a finality depth of 0, and a token address without code, naming each", async () => {
    const missing = await deploy({ ...operator(), FINALITY_DEPTH: "0" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`PAYMENT_TOKEN is required on chain ${CHAIN_ID}`);
    expect(missing.stderr).toContain(`FINALITY_DEPTH is 0 on chain ${CHAIN_ID}`);
    const notAToken = fresh();
    const wrong = await deploy({ ...operator(), PAYMENT_TOKEN: notAToken, FINALITY_DEPTH: "5" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`PAYMENT_TOKEN ${notAToken} has no contract code on chain ${CHAIN_ID}`);
    expect(`${missing.stdout}${wrong.stdout}`).not.toContain("deployed");
  }, 120_000);

  it("deploys on the chain's own token with no mock, hands admin to a timelock, records the finality depth and verifies every source on the explorer", async () => {
    const roles = operator();
    const result = await deploy({
      ...roles,
      PAYMENT_TOKEN: usdc,
      FINALITY_DEPTH: String(FINALITY_DEPTH),
      VERIFY_API_URL: explorer.url,
      VERIFY_API_KEY: "explorer-key",
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).not.toContain("MockUSDC at");
    const deployed = Object.fromEntries(
      [...result.stdout.matchAll(/deployed (\w+) at (0x[0-9a-fA-F]{40})/g)].map(([, name, address]) => [name!, getAddress(address!)]),
    );
    expect(Object.keys(deployed).sort()).toEqual([
      "GridleaseTimelock",
      "LeaseDisputes",
      "LeaseEscrow",
      "LeaseEscrowAdmin",
      "LeaseExtensions",
      "LeaseTopUps",
      "ProviderRegistry",
    ]);

    // The contracts run on the external token; the record says so and carries the finality depth.
    const chain = client();
    const escrow = { address: deployed.LeaseEscrow!, abi: leaseEscrowAbi } as const;
    expect(await chain.readContract({ address: deployed.ProviderRegistry!, abi: providerRegistryAbi, functionName: "stakeToken" })).toBe(usdc);
    expect(await chain.readContract({ ...escrow, functionName: "isTokenAllowed", args: [usdc] })).toBe(true);
    const record = readFileSync(result.deployments, "utf8");
    expect(record).toContain(`token: { address: "${usdc}"`);
    expect(record).toContain(`finalityDepth: ${FINALITY_DEPTH},`);

    // The admin handover goes to the timelock, whose proposer is ADMIN (not the deployer).
    const timelock = { address: deployed.GridleaseTimelock!, abi: gridleaseTimelockAbi } as const;
    const proposer = await chain.readContract({ ...timelock, functionName: "PROPOSER_ROLE" });
    expect(await chain.readContract({ ...timelock, functionName: "hasRole", args: [proposer, getAddress(roles.ADMIN)] })).toBe(true);
    expect(await chain.readContract({ ...timelock, functionName: "hasRole", args: [proposer, deployer] })).toBe(false);

    // Every contract, LeaseLiveness (created by the escrow) included, was submitted with its source,
    // the compiler, the API key and the constructor arguments it was really deployed with.
    const liveness = getAddress(await chain.readContract({ ...escrow, functionName: "liveness" }));
    const submissions = explorer.requests.filter((r) => r.params.action === "verifysourcecode");
    const byAddress = new Map(submissions.map((s) => [getAddress(s.params.contractaddress!), s.params]));
    const verifyLines = `${result.stdout}\n${result.stderr}`
      .split("\n")
      .filter((line) => /verif/i.test(line))
      .join("\n");
    expect([...byAddress.keys()].sort(), verifyLines).toEqual([...Object.values(deployed), liveness].sort());
    for (const { params } of submissions) {
      expect(params.apikey).toBe("explorer-key");
      expect(params.codeformat).toBe("solidity-standard-json-input");
      expect(params.compilerversion).toMatch(/^v0\.8\.30\+commit\./);
      const [source, name] = params.contractname!.split(":");
      const input = JSON.parse(params.sourceCode!) as { sources: Record<string, { content: string }> };
      expect(input.sources[source!]?.content).toMatch(new RegExp(`(contract|library) ${name}\\b`));
    }
    const registryArgs = decodeAbiParameters(constructorInputs(providerRegistryAbi), `0x${byAddress.get(deployed.ProviderRegistry!)!.constructorArguements}`);
    expect(registryArgs[0]).toBe(usdc);
    expect(registryArgs[3]).toBe(deployer);
    const livenessArgs = decodeAbiParameters(constructorInputs(leaseLivenessAbi), `0x${byAddress.get(liveness)!.constructorArguements}`);
    expect(livenessArgs.slice(0, 2)).toEqual([deployed.LeaseEscrow, usdc]);
    // The escrow is verified with its linked libraries at their deployed addresses.
    const escrowSubmission = byAddress.get(deployed.LeaseEscrow!)!;
    const escrowInput = JSON.parse(escrowSubmission.sourceCode!) as { settings: { libraries: Record<string, Record<string, string>> } };
    const libraries = Object.values(escrowInput.settings.libraries)
      .flatMap((l) => Object.values(l))
      .map((a) => getAddress(a));
    expect(libraries.sort()).toEqual([deployed.LeaseDisputes, deployed.LeaseEscrowAdmin, deployed.LeaseExtensions].sort());
    // Each submission's status was polled until it passed.
    expect(explorer.requests.filter((r) => r.params.action === "checkverifystatus")).toHaveLength(submissions.length);
  }, 300_000);
});
