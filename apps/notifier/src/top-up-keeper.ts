import { createPublicClient, createWalletClient, defineChain, http, parseAbiItem, type Address, type Chain, type Hash, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import type { SigningWalletClient } from "@gridlease/sdk/chains";
import { leaseTopUpsAbi } from "@gridlease/sdk/contracts.generated";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { localAccount } from "@gridlease/sdk/local-accounts";
import { LeaseStatus, LOCAL_CHAIN_ID } from "@gridlease/sdk/protocol";
import { describeTxError, isContractError } from "@gridlease/sdk/tx-errors";

/**
 * The auto top-up keeper: follows LeaseTopUps' PolicySet/PolicyRevoked events to know which leases
 * have a policy, and calls `topUp` for those whose time left fell below their threshold. It needs no
 * trust: the contract enforces every limit of the renter's policy, so the keeper only pays gas. Any
 * number of keepers (this one, a renter's own bot) may run at once; a top-up that another caller made
 * first simply makes this one's simulation answer "not needed".
 */

const policySet = parseAbiItem(
  "event PolicySet(uint256 indexed leaseId, address indexed renter, uint32 minSecondsLeft, uint32 maxHoursPerTopUp, uint96 maxTotalSpend, uint256 maxPricePerGpuHour)",
);
const policyRevoked = parseAbiItem("event PolicyRevoked(uint256 indexed leaseId, address indexed renter, uint96 spent)");

/** How long a lease refused for another reason (cap, price, allowance…) waits before it is simulated again. */
export const RETRY_AFTER_REFUSAL_SECONDS = 60;

/** Refusals after which a lease will never be topped up again (it is no longer running). */
const FINAL_REFUSALS = ["LeaseAlreadyEnded", "UnknownLease"];

export interface TopUpKeeperOptions {
  publicClient: PublicClient;
  walletClient: SigningWalletClient<Chain | undefined>;
  topUps: Address;
  /** First block to read policies from (LeaseTopUps' deploy block). */
  fromBlock: bigint;
  /** Pause between rounds in `start()`. */
  intervalMs?: number;
  /** Most blocks per eth_getLogs request. */
  logChunk?: bigint;
  log?: (line: string) => void;
}

export interface TopUpRound {
  /** Leases with a policy in force after this round's events. */
  watched: number;
  /** Leases checked with a simulation this round (the others are known not to be due yet). */
  checked: number;
  toppedUp: { leaseId: bigint; hash: Hash }[];
  /** Due or checked leases the contract refused, with its sentence (cap reached, price above the limit…). */
  refused: { leaseId: bigint; reason: string }[];
}

interface Watched {
  /** Unix time before which the lease is known not to be due (0: check now). */
  notBefore: number;
}

export class TopUpKeeper {
  private readonly watched = new Map<bigint, Watched>();
  private nextBlock: bigint;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly options: TopUpKeeperOptions) {
    this.nextBlock = options.fromBlock;
  }

  /** Leases the keeper currently watches (a policy is in force). */
  get leases(): bigint[] {
    return [...this.watched.keys()];
  }

  /** One round: read new policy events, then top up every lease that is due. */
  async round(): Promise<TopUpRound> {
    await this.readPolicies();
    const now = Number((await this.options.publicClient.getBlock()).timestamp);
    const result: TopUpRound = { watched: this.watched.size, checked: 0, toppedUp: [], refused: [] };
    for (const [leaseId, state] of this.watched) {
      if (state.notBefore > now) continue;
      result.checked += 1;
      await this.tryTopUp(leaseId, state, now, result);
    }
    return result;
  }

  /** Runs rounds every `intervalMs` until `stop()`; a failed round is logged and the next one runs. */
  start(): void {
    const interval = this.options.intervalMs ?? 15_000;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.round()
        .then((r) => {
          for (const t of r.toppedUp) this.options.log?.(`topped up lease ${t.leaseId} (tx ${t.hash})`);
        })
        .catch((error: Error) => this.options.log?.(`round failed: ${describeTxError(error)}`));
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, interval);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async readPolicies() {
    const { publicClient, topUps } = this.options;
    // cacheTime 0: viem caches the block number for its polling interval, which would hide fresh events.
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const chunk = this.options.logChunk ?? 5_000n;
    while (this.nextBlock <= head) {
      const toBlock = this.nextBlock + chunk - 1n < head ? this.nextBlock + chunk - 1n : head;
      const logs = await publicClient.getLogs({ address: topUps, events: [policySet, policyRevoked], fromBlock: this.nextBlock, toBlock });
      // Chain order, so a revoke after a set (or a set after a revoke) leaves the latest word.
      for (const log of logs) {
        const leaseId = log.args.leaseId!;
        if (log.eventName === "PolicySet") this.watched.set(leaseId, { notBefore: 0 });
        else this.watched.delete(leaseId);
      }
      this.nextBlock = toBlock + 1n;
    }
  }

  private async tryTopUp(leaseId: bigint, state: Watched, now: number, result: TopUpRound) {
    const { publicClient, walletClient, topUps } = this.options;
    try {
      // Simulate first: a refusal costs nothing, and its arguments say when to look again.
      const { request } = await publicClient.simulateContract({
        address: topUps,
        abi: leaseTopUpsAbi,
        functionName: "topUp",
        args: [leaseId],
        account: walletClient.account,
      });
      const hash = await walletClient.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`topUp of lease ${leaseId} reverted (tx ${hash})`);
      result.toppedUp.push({ leaseId, hash });
      state.notBefore = 0; // look again next round: the new end decides
    } catch (error) {
      const notNeeded = revertArgs(error, "TopUpNotNeeded");
      if (notNeeded) {
        // Due when secondsLeft falls under minSecondsLeft; until then only a new policy (an event) changes that.
        const [, secondsLeft, minSecondsLeft] = notNeeded as readonly [bigint, bigint, bigint];
        state.notBefore = now + Number(secondsLeft - minSecondsLeft) + 1;
        return;
      }
      if (Number(revertArgs(error, "LeaseNotActive")?.[1]) === LeaseStatus.Closed) {
        this.watched.delete(leaseId); // closed: never again (a disputed or suspended lease may run again)
      } else if (FINAL_REFUSALS.some((name) => isContractError(error, name))) {
        this.watched.delete(leaseId);
      } else {
        // Cap reached, price above the limit, allowance short, offer paused, a dispute: only the renter, the
        // provider or time changes that, so look again in a minute rather than every round.
        state.notBefore = now + RETRY_AFTER_REFUSAL_SECONDS;
      }
      result.refused.push({ leaseId, reason: describeTxError(error) });
    }
  }
}

/** The decoded arguments of the custom error `name` in a viem error chain, if that is what it is. */
function revertArgs(error: unknown, name: string): readonly unknown[] | undefined {
  if (!isContractError(error, name)) return undefined;
  let args: readonly unknown[] | undefined;
  (error as { walk: (fn: (e: unknown) => boolean) => unknown }).walk((e) => {
    const data = (e as { data?: { errorName?: string; args?: readonly unknown[] } }).data;
    if (data?.errorName === name) {
      args = data.args;
      return true;
    }
    return false;
  });
  return args;
}

const keeperEnvSchema = z.object({
  /** 0 turns the keeper off. */
  TOP_UP_KEEPER: z.enum(["0", "1"]).optional(),
  RPC_URL: z.url({ error: "must be the chain's JSON-RPC URL, e.g. http://127.0.0.1:8545" }).optional(),
  CHAIN_ID: z.coerce.number().int().positive("must be a positive integer"),
  /** The keeper's own key (it pays gas only). Required off the local chain. */
  TOP_UP_KEEPER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  TOP_UP_KEEPER_INTERVAL_MS: z.coerce.number().int().min(200).default(15_000),
});

/** Mnemonic index of the local chain's keeper account (outside the dev wallet's #1–#19 and the seed's #100…). */
export const LOCAL_KEEPER_INDEX = 250;

/**
 * Starts the keeper from the environment (the notifier's main calls this), or explains in one line
 * why it is off. On the local chain it uses a mnemonic account of its own and gives it gas money.
 */
export async function startTopUpKeeperFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<TopUpKeeper | undefined> {
  const parsed = keeperEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Bad top-up keeper configuration: ${issue.path.join(".")} ${issue.message}.`);
  }
  const config = parsed.data;
  if (config.TOP_UP_KEEPER === "0") {
    log("auto top-up keeper off (TOP_UP_KEEPER=0)");
    return undefined;
  }
  const local = config.CHAIN_ID === LOCAL_CHAIN_ID;
  const rpcUrl = config.RPC_URL ?? (local ? "http://127.0.0.1:8545" : undefined);
  if (!rpcUrl) throw new Error("Bad top-up keeper configuration: RPC_URL is required off the local chain (or set TOP_UP_KEEPER=0).");
  if (!local && !config.TOP_UP_KEEPER_KEY) {
    throw new Error(`Bad top-up keeper configuration: TOP_UP_KEEPER_KEY is required on chain ${config.CHAIN_ID} (or set TOP_UP_KEEPER=0).`);
  }
  const deployment = getDeployment(config.CHAIN_ID);
  if (!deployment.topUps) {
    log(`auto top-up keeper off: no LeaseTopUps is recorded for chain ${config.CHAIN_ID}`);
    return undefined;
  }
  const chain = defineChain({
    id: config.CHAIN_ID,
    name: `chain-${config.CHAIN_ID}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = config.TOP_UP_KEEPER_KEY ? privateKeyToAccount(config.TOP_UP_KEEPER_KEY as `0x${string}`) : localAccount(LOCAL_KEEPER_INDEX);
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) }) as PublicClient;
  const walletClient = createWalletClient({ account, chain, transport: http(rpcUrl) });
  if (local) await fundLocalKeeper(publicClient, account.address);
  const keeper = new TopUpKeeper({
    publicClient,
    walletClient,
    topUps: deployment.topUps.address,
    fromBlock: deployment.topUps.deployBlock,
    intervalMs: config.TOP_UP_KEEPER_INTERVAL_MS,
    log: (line) => log(`top-up keeper: ${line}`),
  });
  keeper.start();
  log(`auto top-up keeper running as ${account.address} against LeaseTopUps ${deployment.topUps.address}, every ${config.TOP_UP_KEEPER_INTERVAL_MS} ms`);
  return keeper;
}

/** Local chain only: the keeper's account gets gas money from the node itself (anvil or Hardhat). */
async function fundLocalKeeper(client: PublicClient, address: Address) {
  if ((await client.getBalance({ address })) >= 10n ** 18n) return;
  const balance = `0x${(100n * 10n ** 18n).toString(16)}`;
  try {
    await client.request({ method: "anvil_setBalance" as never, params: [address, balance] as never });
  } catch {
    await client.request({ method: "hardhat_setBalance" as never, params: [address, balance] as never });
  }
}
