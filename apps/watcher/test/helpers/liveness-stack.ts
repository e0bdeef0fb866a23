// A real local marketplace for the liveness end-to-end test and `pnpm bench:liveness`: anvil (a block a
// second, wall-clock time, as `npm start` runs it), PostgreSQL, the contracts, the indexer, a heartbeat
// endpoint that stores beats with the web API's own code (@gridlease/db/heartbeats), provider fleets
// (`gridlease-agent fleet` processes that can be killed with SIGKILL) and the watcher process.
// Plain checks rather than `expect`, so the benchmark can use it outside vitest.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createPublicClient, createWalletClient, defineChain, http, parseEther, toHex, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { heartbeatBodySchema, HeartbeatRejected, recordHeartbeat } from "@gridlease/db/heartbeats";
import { leaseEscrowAbi, leaseLivenessAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { sealJson, generateEncryptionKeyPair } from "@gridlease/sdk/crypto";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import type { LivenessConfig } from "@gridlease/sdk/liveness";
import { localAccount, localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { freePort, REPO_ROOT, startAnvilNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { encodeOfferSpec } from "@gridlease/sdk/offers";
import { answerEndpointRequest, ENDPOINT_PATH } from "./agent-endpoints";

export const CHAIN_ID = 31337;
export const USDC = 1_000_000n;
/** Hardhat account #0, unlocked on anvil: the deployer. */
const DEPLOYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const AGENT_BIN = path.join(REPO_ROOT, "apps/agent/bin/gridlease-agent.mjs");
const AGENT_FIXTURES = path.join(REPO_ROOT, "apps/agent/test/fixtures");
const WATCHER_MAIN = path.join(REPO_ROOT, "apps/watcher/src/main.ts");
const INDEXER_MAIN = path.join(REPO_ROOT, "apps/indexer/src/main.ts");

/** A child process whose output lines the caller can wait for. */
export class LoggedProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    private readonly onLine?: (line: string) => void,
  ) {
    this.child = spawn(command, args, { env, cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let partial = "";
    const onData = (chunk: Buffer) => {
      partial += chunk.toString();
      const complete = partial.split("\n");
      partial = complete.pop()!;
      for (const line of complete.filter(Boolean)) {
        this.lines.push(line);
        this.onLine?.(line);
        if (process.env.LIVENESS_VERBOSE) console.log(`[${name}] ${line}`);
      }
    };
    this.child.stdout!.on("data", onData);
    this.child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      if (!this.running) throw new Error(`${this.name} exited before logging ${pattern}:\n${this.lines.slice(-30).join("\n")}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not log ${pattern} within ${timeoutMs} ms:\n${this.lines.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `kill -9`: no shutdown handler runs, nothing is flushed. */
  async kill9(): Promise<void> {
    if (this.running) this.child.kill("SIGKILL");
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.running && this.child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface ProviderFixture {
  index: number;
  address: Address;
  offerId: bigint;
}

export interface LivenessStack {
  rpcUrl: string;
  databaseUrl: string;
  apiUrl: string;
  deployment: GridleaseDeployment;
  liveness: Address;
  publicClient: PublicClient;
  /** Wall-clock ms of the last heartbeat the endpoint stored or counted, per provider (lower case). */
  lastBeatAt: Map<string, number>;
  /** Registers and funds providers (Hardhat-mnemonic indices), each listing one 8-GPU offer. */
  addProviders(indices: number[]): Promise<ProviderFixture[]>;
  /** Funds renters (mnemonic indices) and approves the escrow and the liveness contract (bonds). */
  addRenters(indices: number[]): Promise<void>;
  /** Books 1 GPU of `provider`'s offer for `hours` as renter `renterIndex`; the fleet then accepts. */
  book(renterIndex: number, provider: ProviderFixture, hours: number): Promise<bigint>;
  /** A contract call from a mnemonic account, confirmed. */
  send(index: number, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]): Promise<{ blockNumber: bigint; transactionHash: Hex }>;
  /** Starts a `gridlease-agent fleet` process serving `providers`; its journals persist across restarts under `name`. */
  startFleet(
    name: string,
    providers: ProviderFixture[],
    intervals: { pollSeconds: number; heartbeatSeconds: number },
    extra?: Record<string, unknown>,
  ): Promise<LoggedProcess>;
  startWatcher(env: Record<string, string>): Promise<LoggedProcess>;
  leaseOf(
    leaseId: bigint,
  ): Promise<{ status: number; closeReason: number; acceptedAt: bigint; endsAt: bigint; deposit: bigint; renter: Address; provider: Address }>;
  stop(): Promise<void>;
}

export async function startLivenessStack(options: { liveness: LivenessConfig; log?: (line: string) => void }): Promise<LivenessStack> {
  const log = options.log ?? (() => undefined);
  const [node, postgres] = await Promise.all([startAnvilNode({ blockTime: 1 }), startTempPostgres("gridlease-liveness-pg-")]);
  const processes: LoggedProcess[] = [];
  let server: Server | undefined;
  let db: pg.Pool | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-liveness-"));
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await db?.end().catch(() => undefined);
    await Promise.all([node.stop(), postgres.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return await build(
      node,
      postgres.url,
      dir,
      options.liveness,
      log,
      processes,
      (s) => (server = s),
      (p) => (db = p),
      stop,
    );
  } catch (error) {
    await stop();
    throw error;
  }
}

async function build(
  node: HardhatNode,
  databaseUrl: string,
  dir: string,
  livenessConfig: LivenessConfig,
  log: (line: string) => void,
  processes: LoggedProcess[],
  setServer: (s: Server) => void,
  setDb: (p: pg.Pool) => void,
  stop: () => Promise<void>,
): Promise<LivenessStack> {
  const rpcUrl = node.url;
  const chain = defineChain({
    id: CHAIN_ID,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 100 }) as PublicClient;
  const deployer = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(DEPLOYER_KEY) });
  await runMigrations(databaseUrl);
  const deployment = await deployGridlease({ walletClient: deployer, publicClient, liveness: livenessConfig });
  const liveness = await publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "liveness" });
  log(`deployed: escrow ${deployment.escrow.address}, liveness ${liveness}`);

  // The indexer as its own process, as `npm start` runs it (its connections end with it, not with the test).
  const indexerPort = await freePort();
  const indexer = new LoggedProcess("indexer", process.execPath, ["--import", "tsx", INDEXER_MAIN], {
    ...process.env,
    DATABASE_URL: databaseUrl,
    RPC_URL: rpcUrl,
    CHAIN_ID: String(CHAIN_ID),
    INDEXER_PORT: String(indexerPort),
    FINALITY_DEPTH: "2",
    REGISTRY_ADDRESS: deployment.registry.address,
    ESCROW_ADDRESS: deployment.escrow.address,
    LIVENESS_ADDRESS: liveness,
    DEPLOY_BLOCK: String(deployment.registry.deployBlock),
  });
  processes.push(indexer);
  await indexer.waitForLine(/indexer for chain/, 60_000);
  for (const deadline = Date.now() + 60_000; ; ) {
    const ready = await fetch(`http://127.0.0.1:${indexerPort}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`the indexer did not catch up within 60 s:\n${indexer.lines.slice(-20).join("\n")}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  // The web API's POST /api/heartbeats, minus Next.js: the same schema and the same recordHeartbeat.
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  db.on("error", () => undefined); // an idle connection cut when PostgreSQL stops at the end
  setDb(db);
  const lastBeatAt = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const endpointOf = ENDPOINT_PATH.exec(req.url ?? "")?.[1];
      if (endpointOf) {
        // Proof of GPU: where the provider's agent answers challenges (the web API's POST /api/providers/<address>/endpoint).
        const reply = await answerEndpointRequest(db, CHAIN_ID, endpointOf, JSON.parse(body || "{}")).catch((error: Error) => ({
          status: 500,
          body: { error: error.message },
        }));
        return void res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
      }
      if (req.url !== "/api/heartbeats") return void res.writeHead(404).end();
      try {
        const parsed = heartbeatBodySchema.parse(JSON.parse(body));
        const result = await recordHeartbeat(parsed, Date.now(), db);
        lastBeatAt.set(parsed.provider.toLowerCase(), Date.now());
        res.writeHead(result.recorded ? 202 : 200, { "content-type": "application/json" }).end("{}");
      } catch (error) {
        const status = error instanceof HeartbeatRejected ? error.status : 400;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  setServer(server);
  const apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const wallets = new Map<number, ReturnType<typeof createWalletClient>>();
  const walletOf = (index: number) => {
    let wallet = wallets.get(index);
    if (!wallet) {
      wallet = createWalletClient({ chain, transport: http(rpcUrl), account: localAccount(index) });
      wallets.set(index, wallet);
    }
    return wallet;
  };
  const queues = new Map<number, Promise<unknown>>();
  const send: LivenessStack["send"] = (index, address, abi, functionName, args) => {
    // One at a time per account: concurrent sends would race for its nonce.
    const run = async () => {
      const wallet = walletOf(index);
      const hash = await wallet.writeContract({ address, abi, functionName, args, account: wallet.account!, chain } as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} from #${index} reverted (tx ${hash})`);
      return { blockNumber: receipt.blockNumber, transactionHash: receipt.transactionHash };
    };
    const result = (queues.get(index) ?? Promise.resolve()).then(run, run);
    queues.set(
      index,
      result.catch(() => undefined),
    );
    return result;
  };
  const fund = async (index: number, usdc: bigint) => {
    const address = localAccount(index).address;
    await publicClient.request({ method: "anvil_setBalance" as never, params: [address, toHex(parseEther("100"))] as never });
    await send(index, deployment.token.address, mockUsdcAbi, "faucet", [address, usdc * USDC]);
  };
  const token = deployment.token.address;
  const renterKeys = generateEncryptionKeyPair();

  return {
    rpcUrl,
    databaseUrl,
    apiUrl,
    deployment,
    liveness,
    publicClient,
    lastBeatAt,
    async addProviders(indices) {
      const nextOfferId = (await publicClient.readContract({
        address: deployment.registry.address,
        abi: providerRegistryAbi,
        functionName: "nextOfferId",
      } as never)) as bigint;
      await Promise.all(
        indices.map(async (index) => {
          await fund(index, 1_000n);
          await send(index, token, mockUsdcAbi, "approve", [deployment.registry.address, 1_000n * USDC]);
          await send(index, deployment.registry.address, providerRegistryAbi, "register", [
            500n * USDC,
            localProviderEncryptionPublicKey(index),
            `ipfs://gridlease/liveness-provider-${index}`,
          ]);
        }),
      );
      const fixtures: ProviderFixture[] = [];
      // Listing order decides offer ids: one after another.
      for (const [i, index] of indices.entries()) {
        const spec = encodeOfferSpec({
          gpuModel: "H100-SXM",
          gpuCount: 8,
          vramGb: 80,
          cpuCores: 96,
          ramGb: 960,
          diskGb: 4000,
          bandwidthMbps: 10000,
          region: "eu-west",
          pricePerGpuHour: 2n * USDC,
          minHours: 1,
          maxHours: 48,
        });
        await send(index, deployment.registry.address, providerRegistryAbi, "listOffer", [spec]);
        fixtures.push({ index, address: localAccount(index).address, offerId: nextOfferId + BigInt(i) });
      }
      return fixtures;
    },
    async addRenters(indices) {
      await Promise.all(
        indices.map(async (index) => {
          await fund(index, 5_000n);
          await send(index, token, mockUsdcAbi, "approve", [deployment.escrow.address, 5_000n * USDC]);
          await send(index, token, mockUsdcAbi, "approve", [liveness, 1_000n * USDC]);
        }),
      );
    },
    async book(renterIndex, provider, hours) {
      const renter = localAccount(renterIndex).address;
      const request = sealJson(
        localProviderEncryptionPublicKey(provider.index),
        {
          sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop",
          renterEncryptionKey: toHex(renterKeys.publicKey),
        },
        { kind: "request", chainId: CHAIN_ID, escrow: deployment.escrow.address, offerId: provider.offerId, renter },
      );
      const receipt = await send(renterIndex, deployment.escrow.address, leaseEscrowAbi, "book", [provider.offerId, 1, hours, 2n * USDC, request]);
      const [booked] = await publicClient.getContractEvents({
        address: deployment.escrow.address,
        abi: leaseEscrowAbi,
        eventName: "LeaseBooked",
        fromBlock: receipt.blockNumber,
        toBlock: receipt.blockNumber,
      });
      return booked!.args.leaseId!;
    },
    send,
    async startFleet(name, providers, intervals, extra = {}) {
      const fleetDir = path.join(dir, name);
      const state = path.join(fleetDir, "test-state");
      await mkdir(path.join(state, "envs"), { recursive: true });
      const configPath = path.join(fleetDir, "fleet.json");
      const scriptEnv = { GRIDLEASE_TEST_STATE: state };
      await writeFile(
        configPath,
        JSON.stringify(
          {
            rpcUrl,
            chainId: CHAIN_ID,
            apiUrl,
            contracts: {
              registry: deployment.registry.address,
              escrow: deployment.escrow.address,
              token,
              deployBlock: Number(deployment.registry.deployBlock),
            },
            stateDir: "fleet-state",
            provision: { command: path.join(AGENT_FIXTURES, "scripts/provision.sh"), timeoutSeconds: 10, env: scriptEnv },
            deprovision: { command: path.join(AGENT_FIXTURES, "scripts/deprovision.sh"), timeoutSeconds: 10, env: scriptEnv },
            intervals: { ...intervals, claimSeconds: 3600 },
            providers: providers.map((p) => ({ mnemonicIndex: p.index })),
            ...extra,
          },
          null,
          2,
        ),
      );
      const fleet = new LoggedProcess(name, process.execPath, [AGENT_BIN, "-c", configPath, "fleet"], { ...process.env, GRIDLEASE_TEST_STATE: state });
      processes.push(fleet);
      await fleet.waitForLine(/fleet: serving \d+ provider\(s\)/, 120_000);
      return fleet;
    },
    async startWatcher(env) {
      const watcher = new LoggedProcess("watcher", process.execPath, ["--import", "tsx", WATCHER_MAIN], {
        ...process.env,
        DATABASE_URL: databaseUrl,
        RPC_URL: rpcUrl,
        CHAIN_ID: String(CHAIN_ID),
        ESCROW_ADDRESS: deployment.escrow.address,
        DEPLOY_BLOCK: String(deployment.escrow.deployBlock),
        ...env,
      });
      processes.push(watcher);
      await watcher.waitForLine(/watcher: watching as 0x/, 60_000);
      return watcher;
    },
    async leaseOf(leaseId) {
      const lease = await publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "getLease", args: [leaseId] });
      return lease as never;
    },
    stop,
  };
}

export { leaseLivenessAbi };
