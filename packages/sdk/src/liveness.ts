import type { Address, Hex, LocalAccount, WalletClient } from "viem";

/**
 * Liveness of leased hosts (docs/protocol.md, "Liveness"). The EIP-712 proof types, domain and the
 * window defaults live here once, so the agent that signs proofs, the watcher that reports outages,
 * the deploy scripts and the tests cannot drift apart from each other or from LeaseLiveness.sol.
 */

/** EIP-712 `Liveness(uint256 leaseId, uint256 blockNumber, bytes32 blockHash)` — LeaseLiveness.LIVENESS_TYPEHASH. */
export const LIVENESS_TYPES = {
  Liveness: [
    { name: "leaseId", type: "uint256" },
    { name: "blockNumber", type: "uint256" },
    { name: "blockHash", type: "bytes32" },
  ],
} as const;

export const LIVENESS_DOMAIN_NAME = "Gridlease Liveness";
export const LIVENESS_DOMAIN_VERSION = "1";

export interface LivenessDeployment {
  chainId: number;
  /** The deployment's LeaseLiveness (`escrow.liveness()`), the proof's verifying contract. */
  liveness: Address;
}

/**
 * Domain `Gridlease Liveness`/`1`/chainId/verifyingContract = the deployment's LeaseLiveness: a proof
 * made for one deployment (or chain) is worthless against another, and it cannot be confused with a
 * heartbeat, whose domain is the registry's.
 */
export function livenessDomain(deployment: LivenessDeployment) {
  return {
    name: LIVENESS_DOMAIN_NAME,
    version: LIVENESS_DOMAIN_VERSION,
    chainId: deployment.chainId,
    verifyingContract: deployment.liveness,
  } as const;
}

/** What a proof covers: a lease and a block (number and hash) mined after the outage report. */
export interface LivenessProof {
  leaseId: bigint;
  blockNumber: bigint;
  blockHash: Hex;
}

/** The full typed data of a proof, for signTypedData / verifyTypedData / hashTypedData. */
export function livenessTypedData(proof: LivenessProof, deployment: LivenessDeployment) {
  return {
    domain: livenessDomain(deployment),
    types: LIVENESS_TYPES,
    primaryType: "Liveness" as const,
    message: { leaseId: proof.leaseId, blockNumber: proof.blockNumber, blockHash: proof.blockHash },
  };
}

/** A viem local account (privateKeyToAccount, the agent's keyfile) or a wallet client with an account. */
export type LivenessSigner = LocalAccount | WalletClient;

/**
 * Signs a liveness proof with the provider's key. The contract accepts it only if `blockNumber` is
 * after the report's block and among the last 256 blocks, and `blockHash` is that block's hash — so
 * sign over a recent block right before refuting (see `latestLivenessProof`).
 */
export async function livenessProofFor(signer: LivenessSigner, proof: LivenessProof, deployment: LivenessDeployment): Promise<Hex> {
  const typedData = livenessTypedData(proof, deployment);
  if ("type" in signer && signer.type === "local") return (signer as LocalAccount).signTypedData(typedData);
  const wallet = signer as WalletClient;
  if (!wallet.account) throw new Error("livenessProofFor: the wallet client has no account to sign with");
  return wallet.signTypedData({ ...typedData, account: wallet.account });
}

/** The slice of a viem public client that `latestLivenessProof` reads. */
export interface LatestBlockReader {
  getBlock(args: { blockTag: "latest" }): Promise<{ number: bigint | null; hash: Hex | null; parentHash: Hex }>;
}

/**
 * A proof over a recent block, ready for `refuteOutage(leaseId, blockNumber, signature)`. The contract
 * reads the hash with BLOCKHASH, which does not know the block a call runs in: a refutation sent as is
 * lands in a later block, so `block: "latest"` (default) works; a sender that first simulates the call
 * at "latest" (wagmi/viem simulateContract, apps/agent) must use `block: "parent"` (the block before the
 * latest), or the simulation fails UnknownBlockHash. Throws when that block is not after `reportBlock`:
 * wait for one more block.
 */
export async function latestLivenessProof(args: {
  signer: LivenessSigner;
  client: LatestBlockReader;
  leaseId: bigint;
  reportBlock: bigint;
  deployment: LivenessDeployment;
  block?: "latest" | "parent";
}): Promise<{ blockNumber: bigint; blockHash: Hex; signature: Hex }> {
  const latest = await args.client.getBlock({ blockTag: "latest" });
  if (latest.number === null || latest.hash === null) throw new Error("latestLivenessProof: the latest block is still pending");
  const parent = args.block === "parent";
  const blockNumber = parent ? latest.number - 1n : latest.number;
  if (blockNumber <= args.reportBlock) {
    throw new Error(`latestLivenessProof: block ${blockNumber} is not after the report's block ${args.reportBlock} yet`);
  }
  const proof = { leaseId: args.leaseId, blockNumber, blockHash: parent ? latest.parentHash : latest.hash };
  return { ...proof, signature: await livenessProofFor(args.signer, proof, args.deployment) };
}

/**
 * The Gridlease watcher's wallet on the local chain (apps/watcher): Hardhat-mnemonic account #90, used by
 * nothing else, so its nonces never race another process's. The web app offers renters to approve this
 * address (approveReporter) unless WATCHER_ADDRESS names another; off the local chain there is no default.
 */
export const LOCAL_WATCHER_ACCOUNT_INDEX = 90;

/** `ILeaseLiveness.Config`, as the escrow's constructor takes it (`Config.liveness`). */
export interface LivenessConfig {
  /** Seconds after a report in which the provider may refute it. */
  challengeWindow: number;
  /** Seconds after the last heartbeat that the provider is still paid for. */
  grace: number;
  /** How far back a report's lastSeen may lie: the most a lying renter takes from a provider that is really dark. */
  maxOutageAge: number;
  /** The report bond as basis points of the lease deposit. */
  bondBps: number;
  /** The least report bond, in token base units. */
  minBond: bigint;
}

/**
 * Production defaults (docs/protocol.md, "Liveness"). With heartbeats every 60 s and the watcher
 * reporting once the last one is older than ONLINE_WINDOW_SECONDS (120 s), a dark provider's report
 * lands ≈ 2 min after its last beat, accrual stops at lastSeen + 60 s, and the lease settles 2 min
 * after the report: the renter's refund comes ≈ 4–5 min after the last heartbeat. The 120 s window is
 * two agent cycles plus a congested block or two; maxOutageAge (15 min) bounds what a renter lying
 * about lastSeen can take from a provider that is in fact dark. The bond is 1 % of the deposit, at
 * least 1 USDC (6 decimals).
 */
export const PRODUCTION_LIVENESS_CONFIG: LivenessConfig = {
  challengeWindow: 120,
  grace: 60,
  maxOutageAge: 15 * 60,
  bondBps: 100,
  minBond: 1_000_000n,
};

/**
 * Local/test profile: windows of seconds so an end-to-end test sees a whole outage in well under a
 * minute. maxOutageAge still covers ONLINE_WINDOW_SECONDS plus a watcher cycle, so a watcher using the
 * production online window can still report.
 */
export const LOCAL_LIVENESS_CONFIG: LivenessConfig = {
  challengeWindow: 15,
  grace: 5,
  maxOutageAge: 300,
  bondBps: 100,
  minBond: 1_000_000n,
};

/** The bond `reportOutage` pulls for a lease with `deposit`, as LeaseLiveness.bondOf computes it. */
export function livenessBond(deposit: bigint, config: Pick<LivenessConfig, "bondBps" | "minBond">): bigint {
  const proportional = (deposit * BigInt(config.bondBps)) / 10_000n;
  return proportional > config.minBond ? proportional : config.minBond;
}
