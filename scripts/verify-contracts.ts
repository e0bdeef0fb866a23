/**
 * Verifies the sources of a deployment on an Etherscan-compatible explorer, through hardhat-verify.
 * `pnpm deploy:contracts` runs it when VERIFY_API_URL is set; it can be rerun on its own:
 *
 *   RPC_URL=… CHAIN_ID=… VERIFY_API_URL=… VERIFY_API_KEY=… VERIFY_MANIFEST=deploy-manifest.json \
 *     npx hardhat run --network gridlease scripts/verify-contracts.ts
 *
 * The manifest (written by scripts/deploy.ts) names each contract and the transaction that created it;
 * the constructor arguments are read back from that transaction's input (what follows the creation
 * bytecode), so what is verified is exactly what was deployed. LeaseLiveness has no transaction of its
 * own (the escrow's constructor creates it): its arguments are the escrow, the token and the liveness
 * part of the escrow's configuration. Already verified contracts are skipped by hardhat-verify.
 */
import { readFileSync } from "node:fs";
import hre from "hardhat";
import { decodeAbiParameters, type AbiParameter, type Address, type Hash, type Hex } from "viem";

export interface VerifyManifest {
  token: Address;
  contracts: { name: string; address: Address; transactionHash: Hash }[];
  liveness?: Address;
}

/** Contract names as deploy.ts logs them → fully qualified names of their sources. */
const SOURCES: Record<string, string> = {
  ProviderRegistry: "contracts/ProviderRegistry.sol:ProviderRegistry",
  LeaseDisputes: "contracts/LeaseDisputes.sol:LeaseDisputes",
  LeaseExtensions: "contracts/LeaseExtensions.sol:LeaseExtensions",
  LeaseEscrowAdmin: "contracts/LeaseEscrowAdmin.sol:LeaseEscrowAdmin",
  LeaseEscrow: "contracts/LeaseEscrow.sol:LeaseEscrow",
  GridleaseTimelock: "contracts/governance/GridleaseTimelock.sol:GridleaseTimelock",
  LeaseTopUps: "contracts/LeaseTopUps.sol:LeaseTopUps",
  MockUSDC: "contracts/MockUSDC.sol:MockUSDC",
};
const LIVENESS = "contracts/LeaseLiveness.sol:LeaseLiveness";
/** The escrow's linked libraries (its bytecode is too large without them). */
const ESCROW_LIBRARIES = ["LeaseDisputes", "LeaseExtensions", "LeaseEscrowAdmin"];

/** viem's decoded values as ethers v5 (inside hardhat-verify) encodes them: bigints as decimal strings. */
function forEncoder(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(forEncoder);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forEncoder(v)]));
  return value;
}

async function constructorArguments(fqn: string, transactionHash: Hash): Promise<unknown[]> {
  const artifact = await hre.artifacts.readArtifact(fqn);
  const inputs = (artifact.abi.find((item: { type: string }) => item.type === "constructor")?.inputs ?? []) as AbiParameter[];
  if (inputs.length === 0) return [];
  const tx = (await hre.network.provider.send("eth_getTransactionByHash", [transactionHash])) as { input: Hex } | null;
  if (!tx) throw new Error(`transaction ${transactionHash} (${fqn}) is not on this chain`);
  // Library placeholders have the length of an address, so the unlinked bytecode's length is the linked one's.
  const encoded = `0x${tx.input.slice(artifact.bytecode.length)}` as Hex;
  return decodeAbiParameters(inputs, encoded) as unknown[];
}

async function main() {
  const file = process.env.VERIFY_MANIFEST;
  if (!file) throw new Error("VERIFY_MANIFEST is not set: the path of the manifest scripts/deploy.ts wrote");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as VerifyManifest;
  const byName = new Map(manifest.contracts.map((c) => [c.name, c]));
  const failures: string[] = [];
  const verify = async (fqn: string, address: Address, args: unknown[], libraries: Record<string, Address> = {}) => {
    console.log(`verify: ${fqn} at ${address}`);
    try {
      await hre.run("verify:verify", { address, constructorArguments: forEncoder(args), libraries, contract: fqn });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/already verified/i.test(message)) return console.log(`verify: ${fqn} was already verified`);
      failures.push(`${fqn} at ${address}: ${message.split("\n")[0]}`);
    }
  };

  let escrowArgs: unknown[] | undefined;
  for (const contract of manifest.contracts) {
    const fqn = SOURCES[contract.name];
    if (!fqn) throw new Error(`unknown contract ${contract.name} in ${file}`);
    const args = await constructorArguments(fqn, contract.transactionHash);
    const libraries: Record<string, Address> = {};
    if (contract.name === "LeaseEscrow") {
      escrowArgs = args;
      for (const library of ESCROW_LIBRARIES) libraries[library] = byName.get(library)!.address;
    }
    await verify(fqn, contract.address, args, libraries);
  }
  const escrow = byName.get("LeaseEscrow");
  if (manifest.liveness && escrow && escrowArgs) {
    const config = escrowArgs[1] as { liveness: unknown };
    await verify(LIVENESS, manifest.liveness, [escrow.address, manifest.token, config.liveness]);
  }
  if (failures.length) throw new Error(`source verification failed for ${failures.length} contract(s):\n- ${failures.join("\n- ")}`);
  console.log(`verify: done (${manifest.contracts.length + (manifest.liveness ? 1 : 0)} contracts)`);
}

main().catch((error: unknown) => {
  console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
