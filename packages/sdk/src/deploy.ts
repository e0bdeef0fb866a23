import type { Account, Address, Chain, Hash, Hex, PublicClient, Transport, WalletClient } from "viem";
import { encodeFunctionData, getAddress, parseAbi, zeroHash } from "viem";
import {
  gridleaseTimelockAbi,
  gridleaseTimelockBytecode,
  leaseDisputesAbi,
  leaseDisputesBytecode,
  leaseEscrowAbi,
  leaseEscrowBytecode,
  leaseEscrowLinkReferences,
  leaseEscrowAdminAbi,
  leaseEscrowAdminBytecode,
  leaseExtensionsAbi,
  leaseExtensionsBytecode,
  leaseTopUpsAbi,
  leaseTopUpsBytecode,
  mockUsdcAbi,
  mockUsdcBytecode,
  providerRegistryAbi,
  providerRegistryBytecode,
} from "./contracts.generated";
import { ARBITER_ROLE, LOCAL_CHAIN_ID, PAUSER_ROLE } from "./protocol";
import { LOCAL_LIVENESS_CONFIG, PRODUCTION_LIVENESS_CONFIG, type LivenessConfig } from "./liveness";

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
  /** No-show slash: 10 % of the deposit, at most 50 USDC per lease, none below a 10 USDC deposit. */
  noShowSlashBps: 1_000,
  maxSlashPerLease: 50n * USDC,
  minSlashableDeposit: 10n * USDC,
  /** Dispute bond: 5 % of the deposit, back to the renter when the arbiter agrees. */
  disputeBondBps: 500,
  adminDelay: 0,
  /**
   * Minimum delay of the GridleaseTimelock that becomes the admin. 48 h is the floor off the local
   * chain (docs/protocol.md, "Trust model"); the local profile passes seconds.
   */
  timelockDelay: 2n * DAY,
} as const;

/** The smallest timelock delay accepted on any chain but the local one. */
export const PUBLIC_MIN_TIMELOCK_DELAY = 2n * DAY;

/** Replaces each library placeholder (20 bytes at the given offsets) with the library's address. */
export function linkBytecode(bytecode: string, references: Record<string, readonly number[]>, libraries: Record<string, Address>): Hex {
  let code = bytecode.slice(2);
  for (const [library, offsets] of Object.entries(references)) {
    const address = libraries[library];
    if (!address) throw new Error(`No address for library ${library}`);
    for (const offset of offsets) code = code.slice(0, offset * 2) + address.slice(2).toLowerCase() + code.slice(offset * 2 + 40);
  }
  return `0x${code}`;
}

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
  /** The admin of registry and escrow once the handover completes. */
  timelock?: DeployedContract;
  /** Renter-capped auto top-up of running leases (no admin). */
  topUps: DeployedContract;
  /** Outage reports of leases (created by the escrow's constructor: `escrow.liveness()`, same block). */
  liveness: DeployedContract;
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
   * Proposer and executor of the GridleaseTimelock, which is offered DEFAULT_ADMIN_ROLE on registry
   * and escrow; defaults to the deployer. The deployer stays admin while it wires the contracts,
   * then starts the handover to the timelock. When the admin is the deployer (local profile) the
   * deploy completes it through the timelock; otherwise the admin schedules
   * `acceptDefaultAdminTransfer()` on both through the timelock and executes it after the delay.
   */
  admin?: Address;
  parameters?: Partial<DeployParameters>;
  /**
   * Windows and bond of the LeaseLiveness the escrow creates (immutable). Defaults to the local
   * profile (seconds) on the local chain and to the production defaults everywhere else
   * (packages/sdk/src/liveness.ts, docs/protocol.md "Liveness").
   */
  liveness?: LivenessConfig;
  /**
   * The chain's payment token (its real USDC, see chains.ts). Required off the local chain, where no
   * mock token is ever deployed; on the local chain MockUSDC is deployed when it is not given.
   */
  token?: Address;
  /** Called for each contract deployed by a transaction (for source verification: scripts/verify-contracts.ts). */
  onContract?: (contract: { name: string; address: Address; transactionHash: Hash }) => void;
  log?: (line: string) => void;
}

export { ARBITER_ROLE, PAUSER_ROLE };
/** The role calls registry and escrow share (both are AccessControlDefaultAdminRules). */
const accessControlAbi = parseAbi([
  "function grantRole(bytes32 role, address account)",
  "function renounceRole(bytes32 role, address callerConfirmation)",
  "function beginDefaultAdminTransfer(address newAdmin)",
  "function acceptDefaultAdminTransfer()",
]);

/**
 * Waits out a local timelock delay in real time: a local node stamps each block with the wall clock
 * (plus any offset a test added), so the next transaction lands at least this much later.
 */
async function waitOut(seconds: bigint) {
  await new Promise((resolve) => setTimeout(resolve, Number(seconds + 1n) * 1000));
}

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
  const chainId = await publicClient.getChainId();
  // The local chain's timelock waits one second unless told otherwise; every other chain keeps 48 h.
  const localDefaults = chainId === LOCAL_CHAIN_ID ? { timelockDelay: 1n } : {};
  const parameters = { ...defaultDeployParameters, ...localDefaults, ...options.parameters };
  const arbiter = options.arbiter ?? account.address;
  const treasury = options.treasury ?? account.address;
  const admin = getAddress(options.admin ?? account.address);
  const pauser = getAddress(options.pauser ?? admin);
  if (chainId !== LOCAL_CHAIN_ID && BigInt(parameters.timelockDelay) < PUBLIC_MIN_TIMELOCK_DELAY) {
    throw new Error(`timelockDelay ${parameters.timelockDelay} s is below the ${PUBLIC_MIN_TIMELOCK_DELAY} s minimum off the local chain`);
  }

  async function confirm(hash: Hash, what: string) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`Deployment step failed: ${what} (tx ${hash})`);
    return receipt;
  }

  async function deploy(what: string, hash: Hash): Promise<DeployedContract & { blockHash: Hash }> {
    const receipt = await confirm(hash, what);
    if (!receipt.contractAddress) throw new Error(`Deployment of ${what} returned no contract address (tx ${hash})`);
    log(`deployed ${what} at ${receipt.contractAddress} (block ${receipt.blockNumber})`);
    options.onContract?.({ name: what, address: getAddress(receipt.contractAddress), transactionHash: hash });
    return { address: getAddress(receipt.contractAddress), deployBlock: receipt.blockNumber, blockHash: receipt.blockHash };
  }

  if (!options.token && chainId !== LOCAL_CHAIN_ID) {
    throw new Error(`No payment token given for chain ${chainId}: off the local chain the escrow takes the chain's real USDC (chains.ts), never a mock token.`);
  }
  // An external token is not ours to deploy: its "deploy block" is where this deployment starts using it.
  const token = options.token
    ? { address: getAddress(options.token), deployBlock: await publicClient.getBlockNumber(), blockHash: zeroHash as Hash }
    : await deploy("MockUSDC", await walletClient.deployContract({ abi: mockUsdcAbi, bytecode: mockUsdcBytecode as Hex, account, chain }));
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
  // The escrow's dispute rules and extension pricing are linked libraries (EIP-170 size limit).
  const disputes = await deploy(
    "LeaseDisputes",
    await walletClient.deployContract({ abi: leaseDisputesAbi, bytecode: leaseDisputesBytecode as Hex, account, chain }),
  );
  const extensions = await deploy(
    "LeaseExtensions",
    await walletClient.deployContract({ abi: leaseExtensionsAbi, bytecode: leaseExtensionsBytecode as Hex, account, chain }),
  );
  const escrowAdmin = await deploy(
    "LeaseEscrowAdmin",
    await walletClient.deployContract({ abi: leaseEscrowAdminAbi, bytecode: leaseEscrowAdminBytecode as Hex, account, chain }),
  );
  const liveness = options.liveness ?? (chainId === LOCAL_CHAIN_ID ? LOCAL_LIVENESS_CONFIG : PRODUCTION_LIVENESS_CONFIG);
  const escrow = await deploy(
    "LeaseEscrow",
    await walletClient.deployContract({
      abi: leaseEscrowAbi,
      bytecode: linkBytecode(leaseEscrowBytecode, leaseEscrowLinkReferences, {
        LeaseDisputes: disputes.address,
        LeaseExtensions: extensions.address,
        LeaseEscrowAdmin: escrowAdmin.address,
      }),
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
          slash: {
            noShowSlashBps: parameters.noShowSlashBps,
            disputeBondBps: parameters.disputeBondBps,
            maxSlashPerLease: parameters.maxSlashPerLease,
            minSlashableDeposit: parameters.minSlashableDeposit,
          },
          liveness,
        },
      ],
      account,
      chain,
    }),
  );

  const registryWrite = { address: registry.address, abi: providerRegistryAbi, account, chain } as const;
  const escrowWrite = { address: escrow.address, abi: leaseEscrowAbi, account, chain } as const;
  await confirm(await walletClient.writeContract({ ...registryWrite, functionName: "setEscrow", args: [escrow.address] }), "registry.setEscrow");
  log(`registry trusts escrow ${escrow.address}`);
  await confirm(await walletClient.writeContract({ ...escrowWrite, functionName: "setTokenAllowed", args: [token.address, true] }), "escrow.setTokenAllowed");
  log(`escrow allows token ${token.address}`);
  await confirm(
    await walletClient.writeContract({ ...escrowWrite, functionName: "grantRole", args: [ARBITER_ROLE, arbiter] }),
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
  const timelock = await deploy(
    "GridleaseTimelock",
    await walletClient.deployContract({
      abi: gridleaseTimelockAbi,
      bytecode: gridleaseTimelockBytecode as Hex,
      args: [BigInt(parameters.timelockDelay), [admin], [admin]],
      account,
      chain,
    }),
  );
  for (const target of managed) {
    const write = { address: target.address, abi: accessControlAbi, account, chain } as const;
    const begin = await walletClient.writeContract({ ...write, functionName: "beginDefaultAdminTransfer", args: [timelock.address] });
    await confirm(begin, `${target.name}.beginDefaultAdminTransfer`);
  }
  if (admin === deployer && chainId === LOCAL_CHAIN_ID) {
    // Local profile: the deployer is the timelock's proposer, so it completes the handover itself,
    // waiting out the (short) delay like anyone would.
    const accept = encodeFunctionData({ abi: accessControlAbi, functionName: "acceptDefaultAdminTransfer" });
    const targets = managed.map((target) => target.address);
    const batch = [targets, [0n, 0n], [accept, accept], zeroHash, zeroHash] as const;
    const timelockWrite = { address: timelock.address, abi: gridleaseTimelockAbi, account, chain } as const;
    await confirm(
      await walletClient.writeContract({ ...timelockWrite, functionName: "scheduleBatch", args: [...batch, BigInt(parameters.timelockDelay)] }),
      "timelock.scheduleBatch(acceptDefaultAdminTransfer)",
    );
    await waitOut(BigInt(parameters.timelockDelay));
    await confirm(await walletClient.writeContract({ ...timelockWrite, functionName: "executeBatch", args: batch }), "timelock.executeBatch");
    log(`admin of registry and escrow is the timelock ${timelock.address} (delay ${parameters.timelockDelay} s)`);
  } else {
    log(
      `admin transfer to timelock ${timelock.address} (proposer ${admin}) started: ${admin} must schedule ` +
        `acceptDefaultAdminTransfer() on registry ${registry.address} and escrow ${escrow.address} through the timelock ` +
        `and execute it after the ${parameters.timelockDelay} s delay; until then the deployer stays admin`,
    );
  }

  // Last, so that adding it moved none of the addresses deployed before it.
  const topUps = await deployLeaseTopUps({ walletClient, publicClient, escrow: escrow.address, log, onContract: options.onContract });

  const strip = ({ address, deployBlock }: DeployedContract): DeployedContract => ({ address, deployBlock });
  return {
    chainId,
    token: strip(token),
    registry: strip(registry),
    escrow: strip(escrow),
    timelock: strip(timelock),
    topUps,
    liveness: {
      address: getAddress(await publicClient.readContract({ address: escrow.address, abi: leaseEscrowAbi, functionName: "liveness" })),
      deployBlock: escrow.deployBlock,
    },
    deployBlockHash: registry.blockHash,
  };
}

/**
 * Deploys LeaseTopUps for an escrow. It has no admin and no settings, so it is also what a chain
 * deployed before LeaseTopUps existed gets on its own (scripts/deploy.ts).
 */
export async function deployLeaseTopUps(options: {
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  escrow: Address;
  log?: (line: string) => void;
  onContract?: DeployGridleaseOptions["onContract"];
}): Promise<DeployedContract> {
  const { walletClient, publicClient } = options;
  const hash = await walletClient.deployContract({
    abi: leaseTopUpsAbi,
    bytecode: leaseTopUpsBytecode as Hex,
    args: [options.escrow],
    account: walletClient.account,
    chain: walletClient.chain ?? null,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`Deployment step failed: LeaseTopUps (tx ${hash})`);
  options.log?.(`deployed LeaseTopUps at ${receipt.contractAddress} (block ${receipt.blockNumber})`);
  options.onContract?.({ name: "LeaseTopUps", address: getAddress(receipt.contractAddress), transactionHash: hash });
  return { address: getAddress(receipt.contractAddress), deployBlock: receipt.blockNumber };
}
