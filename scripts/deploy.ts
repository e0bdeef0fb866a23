/**
 * Deploys the Gridlease contracts to RPC_URL unless a deployment recorded in
 * packages/sdk/src/deployments.generated.ts is still on that chain, then records it there.
 *
 * Env: RPC_URL (default http://127.0.0.1:8545), CHAIN_ID (default: the RPC's),
 * DEPLOYER_KEY_FILE (an encrypted key file, packages/sdk/src/keyfile.ts; passphrase from
 * DEPLOYER_PASSPHRASE_FILE or GRIDLEASE_PASSPHRASE or a prompt) or DEPLOYER_PRIVATE_KEY,
 * ADMIN (the timelock's proposer/executor: a multisig), PAUSER, ARBITER, TREASURY,
 * PAYMENT_TOKEN (default: the chain's USDC from packages/sdk/src/chains.ts), FINALITY_DEPTH (default:
 * the chain's from the same table; recorded for the indexer), VERIFY_API_URL + VERIFY_API_KEY
 * (+ VERIFY_BROWSER_URL): verify the sources on that Etherscan-compatible explorer (scripts/verify-contracts.ts),
 * DEPLOYMENTS_FILE (default packages/sdk/src/deployments.generated.ts; tests point it elsewhere).
 * Off the local chain no mock token is ever deployed: the escrow takes the chain's real USDC.
 *
 * Only on the local chain (id 31337) do the roles default to the public Hardhat accounts (deployer,
 * admin and pauser #0, arbiter #1, treasury #2). On any other chain every one must be given, and none
 * may be the zero address or one of the development accounts whose private keys everyone knows.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createPublicClient, createWalletClient, defineChain, getAddress, http, isAddress, isHex, parseAbi, zeroAddress } from "viem";
import type { Address, Hex } from "viem";
import { mnemonicToAccount, privateKeyToAccount, type HDAccount, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";
import { chainProfile, finalityDepthFor } from "../packages/sdk/src/chains";
import { deployGridlease, deployLeaseTopUps } from "../packages/sdk/src/deploy";
import { unlockKeyFile } from "../packages/sdk/src/keyfile";
import { obtainPassphrase } from "../packages/sdk/src/passphrase";
import type { DeploymentRecord } from "../packages/sdk/src/deployments.generated";
import { HARDHAT_MNEMONIC, LOCAL_CHAIN_ID } from "../packages/sdk/src/protocol";

/** Hardhat and Anvil both fund the first 20 accounts of the test mnemonic. */
const DEV_ACCOUNT_COUNT = 20;
const OUTPUT = join(__dirname, "../packages/sdk/src/deployments.generated.ts");

const addressSchema = z.string().refine((value) => isAddress(value), "must be a 0x-prefixed 20-byte address");
const envSchema = z.object({
  RPC_URL: z.url().default("http://127.0.0.1:8545"),
  CHAIN_ID: z.coerce.number().int().positive().optional(),
  DEPLOYER_PRIVATE_KEY: z
    .string()
    .refine((value) => isHex(value) && value.length === 66, "must be a 0x-prefixed 32-byte hex key")
    .optional(),
  ADMIN: addressSchema.optional(),
  PAUSER: addressSchema.optional(),
  ARBITER: addressSchema.optional(),
  TREASURY: addressSchema.optional(),
  DEPLOYMENTS_FILE: z.string().min(1).optional(),
  DEPLOYER_KEY_FILE: z.string().min(1).optional(),
  DEPLOYER_PASSPHRASE_FILE: z.string().min(1).optional(),
  PAYMENT_TOKEN: addressSchema.optional(),
  FINALITY_DEPTH: z.coerce.number().int("must be a whole number of blocks").min(0, "must be 0 or more").optional(),
  VERIFY_API_URL: z.url().optional(),
  VERIFY_API_KEY: z.string().optional(),
  VERIFY_BROWSER_URL: z.url().optional(),
});

async function main() {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid deploy environment: ${problems}`);
  }
  const env = parsed.data;
  if (env.DEPLOYER_KEY_FILE) {
    if (env.DEPLOYER_PRIVATE_KEY) throw new Error("Invalid deploy environment: set DEPLOYER_KEY_FILE or DEPLOYER_PRIVATE_KEY, not both.");
    const passphrase = await obtainPassphrase({ passphraseFile: env.DEPLOYER_PASSPHRASE_FILE, prompt: "Deployer key passphrase: " });
    const keys = await unlockKeyFile(env.DEPLOYER_KEY_FILE, passphrase, { what: "deployer key file", createWith: "gridlease keys init" });
    // The key stays in this process: it is never written to the environment children inherit.
    deployerFromFile = keys.account;
  }

  const probe = createPublicClient({ transport: http(env.RPC_URL) });
  const rpcChainId = await probe.getChainId().catch((error: Error) => {
    throw new Error(`Cannot reach the RPC at ${env.RPC_URL}: ${error.message}`);
  });
  const chainId = env.CHAIN_ID ?? rpcChainId;
  if (chainId !== rpcChainId) {
    throw new Error(`The RPC at ${env.RPC_URL} is on chain ${rpcChainId}, but CHAIN_ID is ${chainId}.`);
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [env.RPC_URL] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(env.RPC_URL) });
  console.log(`contracts: RPC ${env.RPC_URL}, chain id ${chainId}`);

  const output = env.DEPLOYMENTS_FILE ? resolve(env.DEPLOYMENTS_FILE) : OUTPUT;
  const deployments = await loadDeployments(output);
  const recorded = deployments[chainId];
  if (recorded && (await isStillDeployed(publicClient, recorded))) {
    console.log(`contracts: reusing deployment at registry ${recorded.registry.address}, escrow ${recorded.escrow.address}`);
    // A chain deployed before LeaseTopUps existed (a local chain kept across `npm start`s) gets it on its own.
    if (!recorded.topUps || !(await hasCode(publicClient, recorded.topUps.address))) {
      const { deployer } = resolveRoles(env, chainId);
      const walletClient = createWalletClient({ account: deployer, chain, transport: http(env.RPC_URL) });
      const topUps = await deployLeaseTopUps({
        walletClient,
        publicClient,
        escrow: recorded.escrow.address,
        log: (line) => console.log(`contracts: ${line}`),
      });
      writeFileSync(output, renderDeployments({ ...deployments, [chainId]: { ...recorded, topUps } }));
      console.log(`contracts: wrote ${output}`);
    }
    return;
  }
  if (recorded) console.log("contracts: recorded deployment is not on this chain (restarted node?), deploying again");

  const { deployer, admin, pauser, arbiter, treasury } = resolveRoles(env, chainId);
  const { token, finalityDepth } = await resolveChainSettings(env, chainId, publicClient);
  console.log(`contracts: deployer ${deployer.address}, admin ${admin}, pauser ${pauser}, arbiter ${arbiter}, treasury ${treasury}`);
  console.log(`contracts: payment token ${token ?? "MockUSDC (deployed now: local chain)"}, indexer finality depth ${finalityDepth} blocks`);
  const created: { name: string; address: Address; transactionHash: Hex }[] = [];

  const walletClient = createWalletClient({ account: deployer, chain, transport: http(env.RPC_URL) });
  const deployment = await deployGridlease({
    walletClient,
    publicClient,
    admin,
    pauser,
    arbiter,
    treasury,
    token,
    onContract: (contract) => created.push(contract),
    log: (line) => console.log(`contracts: ${line}`),
  });

  // Only addresses and deploy blocks are recorded: a restarted Hardhat node redeploys to the same
  // addresses, so the committed module stays unchanged and `npm start` leaves the work tree clean.
  const { chainId: _ignored, deployBlockHash: _hash, timelock: _timelock, ...record } = deployment;
  writeFileSync(output, renderDeployments({ ...deployments, [chainId]: { ...record, finalityDepth } }));
  console.log(`contracts: wrote ${output}`);
  if (env.VERIFY_API_URL) verifySources(env, chainId, { token: deployment.token.address, contracts: created, liveness: deployment.liveness.address });
}

/**
 * The payment token and the indexer's finality depth. Off the local chain the token is the chain's real
 * USDC (PAYMENT_TOKEN, else packages/sdk/src/chains.ts), checked to be a contract with 6 decimals, and
 * the finality depth must be known and above 0; on the local chain MockUSDC is deployed unless
 * PAYMENT_TOKEN names another token.
 */
async function resolveChainSettings(env: DeployEnv, chainId: number, client: ReturnType<typeof createPublicClient>) {
  const local = chainId === LOCAL_CHAIN_ID;
  const profile = chainProfile(chainId);
  const problems: string[] = [];
  const token = env.PAYMENT_TOKEN ? getAddress(env.PAYMENT_TOKEN) : local ? undefined : profile?.usdc;
  if (!token && !local) {
    problems.push(
      `PAYMENT_TOKEN is required on chain ${chainId}: it is not in the USDC table (packages/sdk/src/chains.ts); set it to the chain's USDC address (no mock token is deployed off the local chain).`,
    );
  }
  if (token) {
    const code = await client.getCode({ address: token });
    if (!code || code === "0x") {
      problems.push(`PAYMENT_TOKEN ${token} has no contract code on chain ${chainId}: is it the USDC of this chain?`);
    } else {
      const decimals = await client
        .readContract({ address: token, abi: parseAbi(["function decimals() view returns (uint8)"]), functionName: "decimals" })
        .catch(() => undefined);
      if (decimals !== 6) problems.push(`PAYMENT_TOKEN ${token} has ${decimals ?? "no"} decimals; prices and stakes are in USDC units of 6 decimals.`);
    }
  }
  const finalityDepth = env.FINALITY_DEPTH ?? finalityDepthFor(chainId);
  if (finalityDepth === undefined) {
    problems.push(
      `FINALITY_DEPTH is required on chain ${chainId}: the number of blocks after which the indexer treats a block as final (not in packages/sdk/src/chains.ts).`,
    );
  } else if (!local && finalityDepth === 0) {
    problems.push(`FINALITY_DEPTH is 0 on chain ${chainId}: a public chain can reorg, so the indexer needs at least 1 block.`);
  }
  if (problems.length) throw new Error(`refusing to deploy to chain ${chainId}:\n- ${problems.join("\n- ")}`);
  return { token, finalityDepth: finalityDepth! };
}

/** Runs scripts/verify-contracts.ts under Hardhat (hardhat-verify) against VERIFY_API_URL; a failure fails the deploy step. */
function verifySources(
  env: DeployEnv,
  chainId: number,
  manifest: { token: Address; contracts: { name: string; address: Address; transactionHash: Hex }[]; liveness: Address },
) {
  const file = join(mkdtempSync(join(tmpdir(), "gridlease-verify-")), "manifest.json");
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  console.log(`contracts: verifying sources on ${env.VERIFY_API_URL} (manifest ${file})`);
  const root = join(__dirname, "..");
  const result = spawnSync(join(root, "node_modules/.bin/hardhat"), ["run", "--no-compile", "--network", "gridlease", "scripts/verify-contracts.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CHAIN_ID: String(chainId), RPC_URL: env.RPC_URL, VERIFY_MANIFEST: file },
  });
  if (result.status !== 0) {
    throw new Error(
      `source verification failed (the contracts are deployed and recorded; rerun it with VERIFY_MANIFEST=${file} npx hardhat run --no-compile --network gridlease scripts/verify-contracts.ts)`,
    );
  }
}

type DeployEnv = z.infer<typeof envSchema>;
/** The deployer unlocked from DEPLOYER_KEY_FILE, if one was given. */
let deployerFromFile: PrivateKeyAccount | undefined;
type RoleVar = "ADMIN" | "PAUSER" | "ARBITER" | "TREASURY";

/** What each role variable controls, for the refusal messages. */
const ROLE_PURPOSE: Record<RoleVar, string> = {
  ADMIN: "the address that will own every admin setting of registry and escrow",
  PAUSER: "the address that may pause and unpause registry and escrow",
  ARBITER: "the address that may resolve disputes and slash provider stakes",
  TREASURY: "the address that receives protocol fees",
};

/**
 * The deployer and role addresses. On the local chain they default to the public development
 * accounts so `npm start` needs no setup; anywhere else a default would hand a role to a key that
 * everyone has, so each must be set and must not be one of those accounts.
 */
function resolveRoles(env: DeployEnv, chainId: number) {
  const local = chainId === LOCAL_CHAIN_ID;
  const devIndex = new Map<string, number>();
  if (!local) {
    for (let i = 0; i < DEV_ACCOUNT_COUNT; i++) {
      devIndex.set(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).address.toLowerCase(), i);
    }
  }
  const publicKeyProblem = (name: string, address: string) => {
    const index = devIndex.get(address.toLowerCase());
    return index === undefined
      ? undefined
      : `${name} is ${getAddress(address)}, development account #${index} of the Hardhat/Anvil test mnemonic, whose private key is public: use an address whose key only you hold.`;
  };
  const problems: string[] = [];

  let deployer: PrivateKeyAccount | HDAccount;
  if (deployerFromFile) {
    deployer = deployerFromFile;
    const problem = publicKeyProblem("DEPLOYER_KEY_FILE's account", deployer.address);
    if (problem) problems.push(problem);
  } else if (env.DEPLOYER_PRIVATE_KEY) {
    deployer = privateKeyToAccount(env.DEPLOYER_PRIVATE_KEY as Hex);
    const problem = publicKeyProblem("DEPLOYER_PRIVATE_KEY's account", deployer.address);
    if (problem) problems.push(problem);
  } else {
    deployer = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 0 });
    if (!local) {
      problems.push(
        `DEPLOYER_KEY_FILE (or DEPLOYER_PRIVATE_KEY) is required on chain ${chainId}: the deployer is admin until the handover, so it must be a key only you hold.`,
      );
    }
  }

  const localDefaults: Record<RoleVar, Address> = {
    ADMIN: deployer.address,
    PAUSER: deployer.address,
    ARBITER: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 1 }).address,
    TREASURY: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 2 }).address,
  };
  const roles = {} as Record<RoleVar, Address>;
  for (const name of Object.keys(ROLE_PURPOSE) as RoleVar[]) {
    const value = env[name];
    if (value === undefined) {
      if (!local)
        problems.push(
          `${name} is required on chain ${chainId}: set it to ${ROLE_PURPOSE[name]} (only chain ${LOCAL_CHAIN_ID} falls back to a development account).`,
        );
      roles[name] = localDefaults[name];
      continue;
    }
    if (getAddress(value) === zeroAddress) {
      problems.push(`${name} is the zero address: set it to ${ROLE_PURPOSE[name]}.`);
    } else {
      const problem = publicKeyProblem(name, value);
      if (problem) problems.push(problem);
    }
    roles[name] = getAddress(value);
  }

  if (problems.length) throw new Error(`refusing to deploy to chain ${chainId}:\n- ${problems.join("\n- ")}`);
  return { deployer, admin: roles.ADMIN, pauser: roles.PAUSER, arbiter: roles.ARBITER, treasury: roles.TREASURY };
}

async function loadDeployments(file: string): Promise<Record<number, DeploymentRecord>> {
  if (!existsSync(file)) return {};
  const module = (await import(pathToFileURL(file).href)) as { deployments?: Record<number, DeploymentRecord> };
  return { ...(module.deployments ?? {}) };
}

async function isStillDeployed(client: ReturnType<typeof createPublicClient>, recorded: DeploymentRecord): Promise<boolean> {
  // An escrow from before LeaseLiveness (no `liveness` recorded) cannot gain one: it is created in the
  // escrow's constructor, so such a chain gets a whole new deployment.
  if (!recorded.liveness) return false;
  const codes = await Promise.all(
    [recorded.registry.address, recorded.escrow.address, recorded.token.address, recorded.liveness.address].map((address) => hasCode(client, address)),
  );
  return codes.every(Boolean);
}

async function hasCode(client: ReturnType<typeof createPublicClient>, address: Address) {
  const code = await client.getCode({ address });
  return code !== undefined && code !== "0x";
}

function renderDeployments(all: Record<number, DeploymentRecord>): string {
  const contract = (c: { address: string; deployBlock: bigint }) => `{ address: "${c.address}", deployBlock: ${c.deployBlock}n }`;
  const entries = Object.entries(all)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(
      ([id, d]) =>
        `  ${id}: {\n    token: ${contract(d.token)},\n    registry: ${contract(d.registry)},\n` +
        `    escrow: ${contract(d.escrow)},\n` +
        (d.topUps ? `    topUps: ${contract(d.topUps)},\n` : "") +
        (d.liveness ? `    liveness: ${contract(d.liveness)},\n` : "") +
        (d.finalityDepth !== undefined ? `    finalityDepth: ${d.finalityDepth},\n` : "") +
        "  },",
    )
    .join("\n");
  return `${DEPLOYMENTS_HEADER}export const deployments = {\n${entries}\n} as const satisfies Record<number, DeploymentRecord>;\n${DEPLOYMENTS_FOOTER}`;
}

const DEPLOYMENTS_HEADER = `// Written by scripts/deploy.ts (\`pnpm deploy:contracts\`); the deploy script rewrites it.
import type { Address } from "viem";

export interface DeployedContractRecord {
  readonly address: Address;
  readonly deployBlock: bigint;
}

export interface DeploymentRecord {
  readonly token: DeployedContractRecord;
  readonly registry: DeployedContractRecord;
  readonly escrow: DeployedContractRecord;
  /** LeaseTopUps (absent only in records written before it existed). */
  readonly topUps?: DeployedContractRecord;
  /** LeaseLiveness, created by the escrow (absent only in records written before it existed). */
  readonly liveness?: DeployedContractRecord;
  /** Blocks the indexer treats as reorg-able on this chain (FINALITY_DEPTH at deploy time; packages/sdk/src/chains.ts). */
  readonly finalityDepth?: number;
}

`;

const DEPLOYMENTS_FOOTER = `
export type DeployedChainId = keyof typeof deployments;

/** The recorded deployment for \`chainId\`; throws if the contracts were never deployed there. */
export function getDeployment(chainId: number): DeploymentRecord {
  const deployment = (deployments as Record<number, DeploymentRecord | undefined>)[chainId];
  if (!deployment) {
    const known = Object.keys(deployments).join(", ") || "none";
    throw new Error(
      \`No Gridlease deployment is recorded for chain id \${chainId} (known: \${known}). Run \\\`pnpm deploy:contracts\\\` against that chain first.\`,
    );
  }
  return deployment;
}
`;

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`contracts: deploy failed: ${error.message}`);
    process.exit(1);
  });
}

export { renderDeployments };
