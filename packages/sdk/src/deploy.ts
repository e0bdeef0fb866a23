import type { Account, Address, Chain, Hash, Hex, PublicClient, Transport, WalletClient } from "viem";
import { getAddress, keccak256, parseAbi, stringToHex } from "viem";
import {
  leaseEscrowAbi,
  leaseEscrowBytecode,
  mockUsdcAbi,
  mockUsdcBytecode,
  providerRegistryAbi,
  providerRegistryBytecode,
} from "./contracts.generated";

const USDC = 1_000_000n;
const HOUR = 3600n;
const DAY = 24n * HOUR;

/** Local defaults; production deployments pass their own. */
export const defaultDeployParameters = {
  minStake: 100n * USDC,
  unstakeCooldown: 7n * DAY,
  acceptWindow: 15n * 60n,
  disputeGrace: DAY,
  disputeTimeout: 3n * DAY,
  feeBps: 250,
  notAcceptedSlash: 5n * USDC,
  adminDelay: 0,
} as const;

export type DeployParameters = {
  [K in keyof typeof defaultDeployParameters]: (typeof defaultDeployParameters)[K] extends bigint ? bigint : number;
};

export interface DeployedContract {
  address: Address;
  deployBlock: bigint;
}

export interface GridleaseDeployment {
  chainId: number;
  token: DeployedContract;
  registry: DeployedContract;
  escrow: DeployedContract;
  /** Hash of the registry's deploy block: tells a reused deployment apart from a restarted chain. */
  deployBlockHash: Hash;
}

export interface DeployGridleaseOptions {
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  /** Granted ARBITER_ROLE on the escrow; defaults to the deployer. */
  arbiter?: Address;
  /** Receives protocol fees; defaults to the deployer. */
  treasury?: Address;
  /**
   * Granted PAUSER_ROLE on registry and escrow in place of the deployer; defaults to `admin`, then
   * the deployer.
   */
  pauser?: Address;
  /**
   * Offered DEFAULT_ADMIN_ROLE on registry and escrow; defaults to the deployer. The deployer must
   * stay admin while it wires the contracts, and the admin rules contract only hands the role over
   * in two steps, so for another address this starts the transfer and that address accepts it with
   * `acceptDefaultAdminTransfer()` once the admin delay has passed.
   */
  admin?: Address;
  parameters?: Partial<DeployParameters>;
  log?: (line: string) => void;
}

export const ARBITER_ROLE = keccak256(stringToHex("ARBITER_ROLE"));
export const PAUSER_ROLE = keccak256(stringToHex("PAUSER_ROLE"));
/** The role calls registry and escrow share (both are AccessControlDefaultAdminRules). */
const accessControlAbi = parseAbi([
  "function grantRole(bytes32 role, address account)",
  "function renounceRole(bytes32 role, address callerConfirmation)",
  "function beginDefaultAdminTransfer(address newAdmin)",
]);

/**
 * Deploys MockUSDC, ProviderRegistry and LeaseEscrow and wires them: the registry trusts the escrow,
 * the token is allowlisted, the arbiter gets ARBITER_ROLE, the pauser PAUSER_ROLE, and the admin is
 * offered DEFAULT_ADMIN_ROLE (each defaults to the deployer).
 */
export async function deployGridlease(options: DeployGridleaseOptions): Promise<GridleaseDeployment> {
  const { walletClient, publicClient } = options;
  const log = options.log ?? (() => {});
  const account = walletClient.account;
  const chain = walletClient.chain ?? null;
  const parameters = { ...defaultDeployParameters, ...options.parameters };
  const arbiter = options.arbiter ?? account.address;
  const treasury = options.treasury ?? account.address;
  const admin = getAddress(options.admin ?? account.address);
  const pauser = getAddress(options.pauser ?? admin);
  const chainId = await publicClient.getChainId();

  async function confirm(hash: Hash, what: string) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`Deployment step failed: ${what} (tx ${hash})`);
    return receipt;
  }

  async function deploy(what: string, hash: Hash): Promise<DeployedContract & { blockHash: Hash }> {
    const receipt = await confirm(hash, what);
    if (!receipt.contractAddress) throw new Error(`Deployment of ${what} returned no contract address (tx ${hash})`);
    log(`deployed ${what} at ${receipt.contractAddress} (block ${receipt.blockNumber})`);
    return { address: getAddress(receipt.contractAddress), deployBlock: receipt.blockNumber, blockHash: receipt.blockHash };
  }

  const token = await deploy(
    "MockUSDC",
    await walletClient.deployContract({ abi: mockUsdcAbi, bytecode: mockUsdcBytecode as Hex, account, chain }),
  );
  const registry = await deploy(
    "ProviderRegistry",
    await walletClient.deployContract({
      abi: providerRegistryAbi,
      bytecode: providerRegistryBytecode as Hex,
      args: [token.address, parameters.minStake, parameters.unstakeCooldown, account.address, parameters.adminDelay],
      account,
      chain,
    }),
  );
  const escrow = await deploy(
    "LeaseEscrow",
    await walletClient.deployContract({
      abi: leaseEscrowAbi,
      bytecode: leaseEscrowBytecode as Hex,
      args: [
        registry.address,
        {
          admin: account.address,
          adminDelay: parameters.adminDelay,
          treasury,
          feeBps: parameters.feeBps,
          acceptWindow: parameters.acceptWindow,
          disputeGrace: parameters.disputeGrace,
          disputeTimeout: parameters.disputeTimeout,
          notAcceptedSlash: parameters.notAcceptedSlash,
        },
      ],
      account,
      chain,
    }),
  );

  await confirm(
    await walletClient.writeContract({
      address: registry.address,
      abi: providerRegistryAbi,
      functionName: "setEscrow",
      args: [escrow.address],
      account,
      chain,
    }),
    "registry.setEscrow",
  );
  log(`registry trusts escrow ${escrow.address}`);
  await confirm(
    await walletClient.writeContract({
      address: escrow.address,
      abi: leaseEscrowAbi,
      functionName: "setTokenAllowed",
      args: [token.address, true],
      account,
      chain,
    }),
    "escrow.setTokenAllowed",
  );
  log(`escrow allows token ${token.address}`);
  await confirm(
    await walletClient.writeContract({
      address: escrow.address,
      abi: leaseEscrowAbi,
      functionName: "grantRole",
      args: [ARBITER_ROLE, arbiter],
      account,
      chain,
    }),
    "escrow.grantRole(ARBITER_ROLE)",
  );
  log(`arbiter role granted to ${arbiter}; treasury is ${treasury}`);

  const deployer = getAddress(account.address);
  const managed = [
    { name: "registry", address: registry.address },
    { name: "escrow", address: escrow.address },
  ] as const;
  if (pauser !== deployer) {
    for (const target of managed) {
      const write = { address: target.address, abi: accessControlAbi, account, chain } as const;
      const grant = await walletClient.writeContract({ ...write, functionName: "grantRole", args: [PAUSER_ROLE, pauser] });
      await confirm(grant, `${target.name}.grantRole(PAUSER_ROLE)`);
      // The constructor made the deployer pauser; it must not keep a role it was only given by default.
      const renounce = await walletClient.writeContract({ ...write, functionName: "renounceRole", args: [PAUSER_ROLE, deployer] });
      await confirm(renounce, `${target.name}.renounceRole(PAUSER_ROLE)`);
    }
    log(`pauser role moved from the deployer to ${pauser}`);
  }
  if (admin !== deployer) {
    for (const target of managed) {
      const write = { address: target.address, abi: accessControlAbi, account, chain } as const;
      const begin = await walletClient.writeContract({ ...write, functionName: "beginDefaultAdminTransfer", args: [admin] });
      await confirm(begin, `${target.name}.beginDefaultAdminTransfer`);
    }
    log(
      `admin transfer to ${admin} started: it must call acceptDefaultAdminTransfer() on registry ${registry.address} ` +
        `and escrow ${escrow.address} after the ${parameters.adminDelay} s admin delay; until then the deployer stays admin`,
    );
  }

  const strip = ({ address, deployBlock }: DeployedContract): DeployedContract => ({ address, deployBlock });
  return {
    chainId,
    token: strip(token),
    registry: strip(registry),
    escrow: strip(escrow),
    deployBlockHash: registry.blockHash,
  };
}
