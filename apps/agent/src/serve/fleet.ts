import pLimit from "p-limit";
import os from "node:os";
import { createPublicClient, http, type PublicClient } from "viem";
import { setTimeout as sleep } from "node:timers/promises";
import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { decodeOfferSpec } from "@gridlease/sdk/offers";
import { gpuModelById } from "@gridlease/sdk/gpus";
import { connect, describeError, TransactionSender, withAccount, type ChainContext } from "../chain";
import { BlockReceipts } from "./block-receipts";
import type { GpuGroup, HardwareReport } from "../detect/hardware";
import { Journal } from "../journal";
import type { ProviderKeys } from "../keyfile";
import { createLogger, type Logger } from "../log";
import { checkProviderReady, OfferStatus, type ProviderOffer } from "../provider";
import { bookingFromEvent, ProviderAgent } from "./agent";
import { livenessAddress, scanOutageReports } from "./liveness";
import type { FleetConfig } from "./fleet-config";
import { startProofOfGpu, type PogProvider, type ProofOfGpu } from "../proof-of-gpu/start";

/** Many RPC providers cap eth_getLogs ranges; scan in slices this size (as `serve` does). */
const LOG_RANGE = 5_000n;
const OFFER_READS_AT_ONCE = 50;
/** Each provider's scan checkpoint is saved at most this often (see AgentOptions.checkpointEveryMs). */
const CHECKPOINT_EVERY_MS = 30_000;

/**
 * Every provider's offers from one OfferListed scan plus one getOffer per offer, refreshed at most once
 * per heartbeat interval: 500 providers cost one scan, not 500.
 */
class OfferBook {
  private byProvider = new Map<string, ProviderOffer[]>();
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly ctx: ChainContext,
    private readonly maxAgeMs: number,
  ) {}

  async offersOf(provider: string): Promise<ProviderOffer[]> {
    if (Date.now() - this.refreshedAt >= this.maxAgeMs) await this.refresh();
    return this.byProvider.get(provider.toLowerCase()) ?? [];
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const { ctx } = this;
    const registry = { address: ctx.contracts.registry, abi: providerRegistryAbi } as const;
    const listed = await ctx.publicClient.getContractEvents({ ...registry, eventName: "OfferListed", fromBlock: ctx.contracts.deployBlock, toBlock: "latest" });
    const next = new Map<string, ProviderOffer[]>();
    // In slices: a thousand reads at once would open as many sockets, and each journal already holds a descriptor.
    for (let i = 0; i < listed.length; i += OFFER_READS_AT_ONCE) {
      await Promise.all(
        listed.slice(i, i + OFFER_READS_AT_ONCE).map(async ({ args }) => {
          const offer = await ctx.publicClient.readContract({ ...registry, functionName: "getOffer", args: [args.offerId!] });
          const key = args.provider!.toLowerCase();
          if (!next.has(key)) next.set(key, []);
          next
            .get(key)!
            .push({ offerId: args.offerId!, status: offer.status as OfferStatus, spec: decodeOfferSpec(offer.spec), reservedUnits: offer.reservedUnits });
        }),
      );
    }
    for (const offers of next.values()) offers.sort((a, b) => (a.offerId < b.offerId ? -1 : 1));
    this.byProvider = next;
    this.refreshedAt = Date.now();
  }
}

/**
 * A fleet provider has no nvidia-smi of its own: its host is what its live offers describe (one GPU group
 * per model, as many GPUs as its offers of that model list), so the handler's GPU accounting (no lease
 * gets a GPU another lease holds) works as on a real host.
 */
export function hardwareFromOffers(provider: string, offers: ProviderOffer[]): HardwareReport {
  const counts = new Map<string, number>();
  for (const o of offers)
    if (o.status === OfferStatus.Active || o.status === OfferStatus.Paused) counts.set(o.spec.gpuModel, (counts.get(o.spec.gpuModel) ?? 0) + o.spec.gpuCount);
  let next = 0;
  const groups: GpuGroup[] = [...counts].map(([modelId, count]) => {
    const model = gpuModelById(modelId);
    const indices = Array.from({ length: count }, () => next++);
    return {
      smiName: model?.smiNames[0] ?? modelId,
      model,
      count,
      vramGb: model?.vramGb ?? 0,
      memoryMiB: (model?.vramGb ?? 0) * 1024,
      indices,
      uuids: indices.map((i) => `GPU-fleet-${provider.toLowerCase().slice(2, 10)}-${i}`),
    };
  });
  return { gpus: [], groups, cpuCores: os.availableParallelism(), ramGb: Math.round(os.totalmem() / 2 ** 30), diskGb: 0 };
}

function prefixed(log: Logger, prefix: string): Logger {
  return { info: (m) => log.info(`${prefix} ${m}`), warn: (m) => log.warn(`${prefix} ${m}`), error: (m) => log.error(`${prefix} ${m}`) };
}

interface Member {
  agent: ProviderAgent;
  journal: Journal;
  pollMs: number;
  lastStepAt: number;
}

/**
 * `gridlease-agent fleet`: the same per-provider loop as `serve` (ProviderAgent: signed heartbeats,
 * decrypt → provision → accept, scheduled claims, deprovision on close, a journal per provider), driven by
 * one shared poll: one block read and one escrow event scan for all providers, each event handed to its
 * provider (a booking to addBooking, any other event naming a lease to touch), over one RPC connection.
 */
export class Fleet {
  private readonly members: Member[] = [];
  private readonly byAddress = new Map<string, Member>();
  private readonly shutdown = new AbortController();
  /** The first block whose OutageReported events no provider has seen; read once for all of them. */
  private reportScanFrom = 0n;
  /** The proof-of-GPU challenge server (config `proofOfGpu`), every provider under its own prefix. */
  private pog?: ProofOfGpu;

  private constructor(
    private readonly fleet: FleetConfig,
    private readonly ctx: ChainContext,
    private readonly log: Logger,
  ) {}

  static async open(fleet: FleetConfig, log: Logger = createLogger()): Promise<Fleet> {
    const served = fleet.members.filter((m) => !m.source.offline);
    // One at a time: a key file's scrypt takes ~128 MiB while it runs, so unlocking hundreds at once would not fit in memory.
    const keys: ProviderKeys[] = [];
    for (const member of fleet.members) keys.push(await member.keys());
    const connected = await connect(fleet.base, keys[0]!.account);
    // Receipts polled once a second, not every 250 ms: hundreds of providers waiting on their accepts made
    // eth_getTransactionReceipt the node's busiest call (3.7 per mined transaction at 500 providers);
    // nothing in the fleet waits on an accept's receipt but the same provider's next transaction.
    const ctx: ChainContext = {
      ...connected,
      publicClient: createPublicClient({
        chain: connected.publicClient.chain,
        transport: http(fleet.rpcUrl, { retryCount: 2 }),
        pollingInterval: 1000,
      }) as PublicClient,
    };
    const self = new Fleet(fleet, ctx, log);
    const receipts = new BlockReceipts(ctx.publicClient);
    const offers = new OfferBook(ctx, fleet.base.intervals.heartbeatSeconds * 1000);
    // One queue for every provider's scripts: a backlog of bookings must not start them all at once.
    const scriptQueue = pLimit(fleet.maxScriptsInFlight);
    await offers.refresh();
    const pogProviders: PogProvider[] = [];
    for (const [i, member] of fleet.members.entries()) {
      const address = keys[i]!.account.address;
      if (member.source.offline) {
        log.info(`provider ${address}: listed as offline in the fleet config; not serving it.`);
        continue;
      }
      if (self.byAddress.has(address.toLowerCase())) throw new Error(`provider ${address} appears twice in the fleet config.`);
      const config = { ...member.config, stateDir: `${fleet.stateRoot}/${address.toLowerCase()}` };
      const journal = await Journal.open(config.stateDir);
      const hardware = hardwareFromOffers(address, await offers.offersOf(address));
      const ownOffers = async () => {
        const current = await offers.offersOf(address);
        // Offers listed or delisted since start change what the simulated host holds.
        hardware.groups = hardwareFromOffers(address, current).groups;
        return current;
      };
      const account = withAccount(ctx, fleet.rpcUrl, keys[i]!.account);
      const providerCtx: ChainContext = { ...account, sender: new TransactionSender(ctx.publicClient, account.walletClient, (hash) => receipts.wait(hash)) };
      const providerLog = prefixed(log, `provider ${address}:`);
      // E.g. a chain seeded with other encryption keys: bookings could not be decrypted, so say so at start.
      for (const problem of await checkProviderReady(providerCtx, keys[i]!)) providerLog.warn(problem);
      // The first heartbeats are spread over at most 5 s (then each keeps its own rhythm), so every provider is online soon after start.
      const firstHeartbeatDelayMs = Math.floor((i / fleet.members.length) * Math.min(config.intervals.heartbeatSeconds, 5) * 1000);
      const agent = new ProviderAgent({
        config,
        keys: keys[i]!,
        ctx: providerCtx,
        journal,
        hardware,
        log: providerLog,
        ownOffers,
        firstHeartbeatDelayMs,
        leaseEvents: true,
        checkpointEveryMs: CHECKPOINT_EVERY_MS,
        scriptQueue,
      });
      pogProviders.push({ account: keys[i]!.account, offers: () => offers.offersOf(address), log: providerLog });
      const entry: Member = { agent, journal, pollMs: (member.source.pollSeconds ?? fleet.pollSeconds) * 1000, lastStepAt: 0 };
      self.members.push(entry);
      self.byAddress.set(address.toLowerCase(), entry);
    }
    const pogConfig = fleet.base.proofOfGpu;
    if (pogConfig && pogProviders.length > 0) {
      self.pog = await startProofOfGpu({
        config: pogConfig,
        apiUrl: fleet.base.apiUrl,
        chainId: ctx.chainId,
        registry: ctx.contracts.registry,
        publicClient: ctx.publicClient,
        providers: pogProviders,
        fleet: true,
        log,
      });
    }
    log.info(
      `fleet: serving ${served.length} provider(s), ${fleet.members.length - served.length} offline, on chain ${ctx.chainId} (escrow ${ctx.contracts.escrow}); journals under ${fleet.stateRoot}`,
    );
    return self;
  }

  get size(): number {
    return this.members.length;
  }

  /** Serves until stop(); resolves once every provider's in-flight work has settled and journals are closed. */
  async run(): Promise<void> {
    let scanFrom: bigint | undefined;
    for (const m of this.members) {
      const from = await m.agent.resume();
      if (scanFrom === undefined || from < scanFrom) scanFrom = from;
    }
    scanFrom ??= this.ctx.contracts.deployBlock;
    this.reportScanFrom = scanFrom;
    while (!this.shutdown.signal.aborted) {
      try {
        scanFrom = await this.tick(scanFrom);
      } catch (error) {
        this.log.error(`fleet: poll failed, retrying: ${describeError(error)}`);
      }
      await sleep(this.fleet.pollSeconds * 1000, undefined, { signal: this.shutdown.signal }).catch(() => {});
    }
    await Promise.all(this.members.map((m) => m.agent.drain()));
    await Promise.all(this.members.map((m) => m.journal.close()));
    await this.pog?.close();
    this.log.info("fleet: stopped.");
  }

  stop(): void {
    if (this.shutdown.signal.aborted) return;
    this.log.info("fleet: shutting down: finishing in-flight work…");
    for (const m of this.members) m.agent.stop();
    this.shutdown.abort();
  }

  /** One shared poll; returns the next block to scan. */
  private async tick(scanFrom: bigint): Promise<bigint> {
    const block = await this.ctx.publicClient.getBlock({ blockTag: "latest" });
    while (scanFrom <= block.number) {
      const toBlock = scanFrom + LOG_RANGE - 1n < block.number ? scanFrom + LOG_RANGE - 1n : block.number;
      // Every escrow event, not only bookings: accepts, closes, disputes and extensions tell the agents
      // which active leases to re-read (ProviderAgent's leaseEvents), so none is polled per block.
      const logs = await this.ctx.publicClient.getContractEvents({ address: this.ctx.contracts.escrow, abi: leaseEscrowAbi, fromBlock: scanFrom, toBlock });
      for (const event of logs) {
        if (event.eventName === "LeaseBooked") {
          const member = this.byAddress.get(event.args.provider!.toLowerCase());
          // A provider whose journal checkpoint is past this block has nothing left to do for it.
          if (member && event.blockNumber >= member.agent.scanFrom) member.agent.addBooking(bookingFromEvent(event));
        } else if ("leaseId" in event.args && typeof event.args.leaseId === "bigint") {
          // Only the provider that holds the booking keeps it (touch checks); a map from lease to provider would have to survive restarts.
          for (const m of this.members) m.agent.touch(event.args.leaseId);
        }
      }
      scanFrom = toBlock + 1n;
    }
    const liveness = await livenessAddress(this.ctx);
    if (liveness && this.reportScanFrom <= block.number) {
      for (const report of await scanOutageReports(this.ctx.publicClient, liveness, this.reportScanFrom, block.number)) {
        // Each agent keeps only reports on its own leases.
        for (const m of this.members) m.agent.addOutageReport(report);
      }
      this.reportScanFrom = block.number + 1n;
    }
    const now = Date.now();
    const due = this.members.filter((m) => now - m.lastStepAt >= m.pollMs);
    for (const m of this.members) m.agent.markScanned(block.number);
    await Promise.all(
      due.map(async (m) => {
        m.lastStepAt = now;
        await m.agent.step(block).catch((error) => this.log.error(`provider ${m.agent.address}: poll failed: ${describeError(error)}`));
      }),
    );
    return scanFrom;
  }
}
