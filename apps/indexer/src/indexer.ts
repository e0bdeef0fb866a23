import { setMaxListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runMigrations } from "@gridlease/db/migrate";
import pg from "pg";
import type { Hex } from "viem";
import { decodeLog, type DecodedEvent } from "./events";
import { BatchState, keysToLoad } from "./handlers";
import { applyEvent, isEventDataError, rawEventRow, writeEventByEvent } from "./quarantine";
import { Rpc, type BlockHeader } from "./rpc";
import { appliedEvents, loadBatchState, loadCursor, resetChain, rollbackTo, storedBlocks, writeBatch, type Cursor } from "./store";
import { IndexerError } from "./errors";

/** Resident memory split into JS heap and off-heap buffers, for the backfill progress line. */
function memoryLine(): string {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  return `rss ${mb(rss)} MB (heap ${mb(heapUsed)}/${mb(heapTotal)} MB, external ${mb(external)} MB)`;
}

export interface IndexerDeployment {
  registry: { address: string; deployBlock: bigint };
  escrow: { address: string; deployBlock: bigint };
  /** The escrow's LeaseLiveness (`escrow.liveness()`), whose outage events are indexed too; absent for older deployments. */
  liveness?: { address: string; deployBlock: bigint };
  /** LeaseTopUps (auto top-up), whose events are kept as raw events; absent for older deployments. */
  topUps?: { address: string; deployBlock: bigint };
}

export interface IndexerOptions {
  databaseUrl: string;
  rpcUrl: string;
  chainId: number;
  deployment: IndexerDeployment;
  /** Port for /health and /ready; 0 picks a free one; null serves nothing. */
  port?: number | null;
  /** Blocks behind the head after which a block can no longer be reorged. */
  finalityDepth?: number;
  pollIntervalMs?: number;
  /** Upper bound of one getLogs range while backfilling. */
  maxRangeBlocks?: number;
  /** Events per batch the range sizing aims for. */
  targetEventsPerBatch?: number;
  /** getLogs requests in flight ahead of the writer while backfilling. */
  prefetch?: number;
  rpcTimeoutMs?: number;
  /** Largest getLogs answer read before the range is shrunk (default 16 MiB; see RpcOptions). */
  maxAnswerBytes?: number;
  /** How long to wait for the node to answer at startup before giving up. */
  startupTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * A development chain (default: chain id 31337, Hardhat): `hardhat_mine` of many blocks leaves
   * padding blocks whose parentHash reads as zero. There, a zero parentHash is checked by reading the
   * cursor's block again instead of being taken for a reorg. Never set this for a real network.
   */
  devChain?: boolean;
  /**
   * Wait as a standby while another indexer holds the chain's writer lock, and take over when it stops
   * (default: give up after a few seconds with an error). main.ts sets it (INDEXER_STANDBY).
   */
  standby?: boolean;
  /** Called after every committed batch (tests and benchmarks observe progress with it). */
  onBatch?: (info: { from: bigint; to: bigint; events: number }) => void;
}

export interface RunningIndexer {
  /** Resolves once the index has caught up with the head for the first time. */
  ready: Promise<void>;
  /** Rejects with the fatal error if the indexer stops by itself (e.g. a reorg deeper than finality). */
  done: Promise<void>;
  port: number | null;
  status(): IndexerStatus;
  stop(): Promise<void>;
}

export interface IndexerStatus {
  chainId: number;
  ready: boolean;
  indexedBlock: string | null;
  headBlock: string | null;
  lagBlocks: number | null;
  events: number;
  error: string | null;
}

export class DeepReorgError extends IndexerError {
  readonly code = "deep_reorg";
}

const READY_LAG_BLOCKS = 2;
/** How often a standby asks for the writer lock: a dead writer is replaced within this plus PostgreSQL noticing. */
const STANDBY_POLL_MS = 500;

interface FetchedRange {
  from: bigint;
  /** Last block fetched: `plannedTo`, or earlier when the node's answer for the whole range was too large. */
  to: bigint;
  plannedTo: bigint;
  toHeader: BlockHeader;
  fromHeader: BlockHeader;
  logs: DecodedEvent[];
}

/** Waits `ms` or until aborted; removes its abort listener either way (the follow loop sleeps forever). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const finalityDepth = BigInt(options.finalityDepth ?? 12);
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const maxRange = BigInt(options.maxRangeBlocks ?? 5_000);
  const targetEvents = options.targetEventsPerBatch ?? 5_000;
  // One range fetched ahead of the writer: fetching is faster than writing, so more ahead only holds
  // parsed logs in memory (prefetch 3: ≈100 MB of heap; 1: ≈30 MB at the same events/s, measured).
  const prefetch = options.prefetch ?? 1;
  const chainId = options.chainId;
  const devChain = options.devChain ?? chainId === 31337;
  const registry = options.deployment.registry.address.toLowerCase() as Hex;
  const escrow = options.deployment.escrow.address.toLowerCase() as Hex;
  const liveness = options.deployment.liveness?.address.toLowerCase() as Hex | undefined;
  const topUps = options.deployment.topUps?.address.toLowerCase() as Hex | undefined;
  const addresses = [registry, escrow, ...(liveness ? [liveness] : []), ...(topUps ? [topUps] : [])];
  const registryBlock = options.deployment.registry.deployBlock;
  const escrowBlock = options.deployment.escrow.deployBlock;
  // biome-ignore lint/complexity/useMathMinMax: block numbers are bigints, which Math.min does not take
  const deployBlock = registryBlock < escrowBlock ? registryBlock : escrowBlock;

  const abort = new AbortController();
  /** Why the indexer gave up the writer role by itself, if it did. */
  let lockLost: string | null = null;
  setMaxListeners(100, abort.signal); // every in-flight RPC call listens to it while it runs
  const rpc = new Rpc({ url: options.rpcUrl, timeoutMs: options.rpcTimeoutMs, maxAnswerBytes: options.maxAnswerBytes, log, signal: abort.signal });
  await runMigrations(options.databaseUrl);
  // synchronous_commit off: a crash can lose the last batches, but each batch commits with its
  // cursor, so the index restarts consistent from an earlier block; commits stop waiting on fsync.
  const db = new pg.Pool({ connectionString: options.databaseUrl, max: 5, options: "-c synchronous_commit=off" });
  db.on("error", (error) => log(`idle PostgreSQL connection failed: ${error.message}`));

  // One writer per chain: a second indexer (or a zombie of a killed one) would double-apply batches.
  // The lock is held by a dedicated session; PostgreSQL drops it the moment that session ends (the
  // process died, or its connection broke), which is what lets a standby take over.
  const lockClient = await db.connect();
  const lockKey = "select pg_try_advisory_lock(hashtext('gridlease_indexer'), $1) as ok";
  let locked = false;
  let announced = false;
  // A predecessor that just died may still hold the lock until PostgreSQL notices; give it a few
  // seconds. A standby waits for as long as it takes, asking twice a second.
  for (let attempt = 0; !locked && !abort.signal.aborted; attempt++) {
    if (attempt > 0) await sleep(options.standby ? STANDBY_POLL_MS : 200, abort.signal);
    locked = (await lockClient.query<{ ok: boolean }>(lockKey, [chainId])).rows[0]!.ok;
    if (!locked && options.standby && !announced) {
      announced = true;
      log(`standby: another indexer is writing chain ${chainId}; taking over when it stops`);
    }
    if (!locked && !options.standby && attempt >= 24) break;
  }
  if (!locked) {
    lockClient.release(true);
    await db.end();
    throw new Error(
      abort.signal.aborted
        ? `Indexer for chain ${chainId} stopped while waiting as standby.`
        : `Another indexer is already indexing chain ${chainId} in this database; stop it first.`,
    );
  }
  if (announced) log(`standby: took over as the writer of chain ${chainId}`);
  // Losing the lock session means another indexer may be writing by now: stop rather than write on.
  // (A write that races the loss is refused by the fenced cursor update; see saveCursor.)
  lockClient.on("error", (error) => {
    if (abort.signal.aborted) return;
    lockLost = `lost the writer lock (PostgreSQL session failed: ${error.message}); stopping so that another indexer can write`;
    abort.abort();
  });
  const closeDb = async () => {
    lockClient.release(true); // destroying the session drops the advisory lock
    await db.end();
  };

  // Retries cover a node that is still starting; a node that never answers is a configuration error.
  const probe = new Rpc({
    url: options.rpcUrl,
    timeoutMs: 2_000,
    maxBackoffMs: 1_000,
    signal: AbortSignal.any([abort.signal, AbortSignal.timeout(options.startupTimeoutMs ?? 15_000)]),
  });
  const reportedChainId = await probe.chainId().catch(async () => {
    await closeDb();
    throw new Error(`Cannot reach an Ethereum node at ${options.rpcUrl}; check RPC_URL and that the node is running.`);
  });
  if (reportedChainId !== chainId) {
    await closeDb();
    throw new Error(`The node at ${options.rpcUrl} is chain ${reportedChainId}, not CHAIN_ID ${chainId}.`);
  }
  if ((await rpc.code(registry)) === "0x") {
    await closeDb();
    throw new Error(
      `No ProviderRegistry contract at ${registry} on chain ${chainId}; deploy the contracts (pnpm deploy:contracts) before starting the indexer.`,
    );
  }

  /** Milliseconds spent waiting for RPC, loading + applying, and writing (shown in backfill progress lines). */
  const profile = { wait: 0, apply: 0, write: 0 };
  const state = { ready: false, head: null as bigint | null, cursor: null as Cursor | null, events: 0, error: null as string | null };
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  /** A fresh cursor at the block before deployment, or the stored one if it still belongs to this chain. */
  async function openCursor(): Promise<Cursor> {
    const deployHeader = await rpc.block(deployBlock);
    const stored = await loadCursor(db, chainId);
    if (stored) {
      const sameDeployment = stored.registryAddress === registry && stored.escrowAddress === escrow && stored.deployBlockHash === deployHeader!.hash;
      if (sameDeployment) return stored;
      log(`chain ${chainId} is a new chain or deployment (deploy block ${deployBlock} hash changed); re-indexing from scratch`);
      await resetChain(db, chainId);
    }
    const start = deployBlock - 1n;
    const startHeader = await rpc.block(start);
    return {
      chainId,
      registryAddress: registry,
      escrowAddress: escrow,
      deployBlock,
      deployBlockHash: deployHeader!.hash,
      blockNumber: start,
      blockHash: startHeader!.hash,
      finalizedBlock: start,
    };
  }

  /** Walks stored block hashes back to the newest one the chain still has and rolls back to it. */
  async function handleReorg(cursor: Cursor): Promise<Cursor> {
    for (const stored of await storedBlocks(db, chainId, cursor.blockNumber)) {
      const onChain = await existingBlock(stored.number);
      if (onChain?.hash !== stored.hash) {
        if (stored.number <= cursor.finalizedBlock) {
          throw new DeepReorgError(
            `Reorg deeper than the finality depth (${finalityDepth} blocks): block ${stored.number} changed, but blocks up to ${cursor.finalizedBlock} were final. Stopping; re-index or raise FINALITY_DEPTH.`,
          );
        }
        continue;
      }
      if (stored.number < cursor.finalizedBlock) {
        throw new DeepReorgError(
          `Reorg deeper than the finality depth (${finalityDepth} blocks): blocks after ${stored.number} changed, but blocks up to ${cursor.finalizedBlock} were final. Stopping; re-index or raise FINALITY_DEPTH.`,
        );
      }
      const rolledBack = await rollbackTo(db, cursor, stored.number);
      log(`reorg: common ancestor ${stored.number}; rolled back from ${cursor.blockNumber} to ${rolledBack.blockNumber}`);
      return rolledBack;
    }
    throw new DeepReorgError(`Reorg reaches below every recorded block on chain ${chainId}; the deployment changed. Restart the indexer to re-index.`);
  }

  /**
   * A block header, or null when the chain no longer has it (it shrank under us). A null for a
   * block at or below the head is asked again: flaky nodes answer null for blocks they have.
   */
  async function existingBlock(number: bigint): Promise<BlockHeader | null> {
    for (let attempt = 0; ; attempt++) {
      const header = await rpc.block(number, false);
      if (header || attempt >= 3 || (await rpc.blockNumber()) < number) return header;
    }
  }

  /** Logs and boundary headers of [from, to]; null when those blocks vanished (the caller re-reads the head). */
  async function fetchRange(from: bigint, to: bigint): Promise<FetchedRange | null> {
    const [fromHeader, plannedHeader, fetched] = await Promise.all([existingBlock(from), existingBlock(to), rpc.logs(addresses, from, to)]);
    const toHeader = fetched.to === to ? plannedHeader : await existingBlock(fetched.to);
    if (!fromHeader || !toHeader) return null;
    const logs = fetched.logs.filter((l) => !l.removed).map(decodeLog);
    logs.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
    return { from, to: fetched.to, plannedTo: to, fromHeader, toHeader, logs };
  }

  /**
   * Whether `header` (the block after the cursor) still extends the indexed chain. On a development
   * chain a zero parentHash is Hardhat's mining padding, not a fork: the link is checked by asking
   * whether the cursor's block is still there. A real reorg changes that block's hash, so it is caught.
   */
  async function extendsCursor(cursor: Cursor, header: BlockHeader): Promise<boolean> {
    if (header.parentHash === cursor.blockHash) return true;
    if (!devChain || BigInt(header.parentHash) !== 0n) return false;
    return (await existingBlock(cursor.blockNumber))?.hash === cursor.blockHash;
  }

  async function applyRange(cursor: Cursor, range: FetchedRange, head: bigint): Promise<Cursor | "reorg"> {
    if (!(await extendsCursor(cursor, range.fromHeader))) return "reorg";
    const applyStart = performance.now();
    const lastLogBlock = range.logs.at(-1);
    if (lastLogBlock && lastLogBlock.blockNumber === range.to && lastLogBlock.blockHash !== range.toHeader.hash) return "reorg";
    const finalizedBlock = head - finalityDepth > cursor.finalizedBlock ? head - finalityDepth : cursor.finalizedBlock;
    const isFinal = (block: bigint) => block <= finalizedBlock;
    const blocks = new Map<bigint, { number: bigint; hash: string; parentHash: string }>();
    for (const event of range.logs)
      if (!isFinal(event.blockNumber)) blocks.set(event.blockNumber, { number: event.blockNumber, hash: event.blockHash, parentHash: "" });
    blocks.set(range.to, { number: range.to, hash: range.toHeader.hash, parentHash: range.toHeader.parentHash });
    const next: Cursor = { ...cursor, blockNumber: range.to, blockHash: range.toHeader.hash, finalizedBlock };
    const frame = {
      journal: range.to > finalizedBlock,
      from: range.from,
      to: range.to,
      blocks: [...blocks.values()],
      cursor: next,
      previousFinalized: cursor.finalizedBlock,
      previous: cursor,
    };
    let fresh: DecodedEvent[] = [];
    const writeStart = performance.now();
    try {
      const batch = new BatchState(chainId, isFinal);
      const client = await db.connect();
      let original: Map<string, string | null>;
      try {
        // A replayed range (e.g. a cursor moved back by hand) must not apply an event twice.
        const alreadyApplied = await appliedEvents(client, chainId, range.from, range.to);
        fresh = range.logs.filter((e) => !alreadyApplied.has(`${e.txHash}:${e.logIndex}`));
        original = await loadBatchState(client, batch, keysToLoad(fresh));
      } finally {
        client.release();
      }
      for (const event of fresh) applyEvent(batch, event);
      const rawEvents = fresh.map((event) => rawEventRow(chainId, event, isFinal(event.blockNumber)));
      profile.apply += performance.now() - applyStart;
      await writeBatch(db, { ...frame, state: batch, rawEvents, original });
    } catch (error) {
      // An event whose rows cannot be stored must not stop the index for everyone (see quarantine.ts).
      if (!isEventDataError(error)) throw error;
      log(`blocks ${range.from}-${range.to}: ${error instanceof Error ? error.message : String(error)}; storing the range event by event`);
      const failed = await writeEventByEvent(db, chainId, isFinal, fresh, frame);
      for (const { event, error: reason } of failed) {
        log(`unstorable event ${event.name} at block ${event.blockNumber} (tx ${event.txHash}, log ${event.logIndex}) recorded in failed_event: ${reason}`);
      }
    }
    profile.write += performance.now() - writeStart;
    state.events += range.logs.length;
    options.onBatch?.({ from: range.from, to: range.to, events: range.logs.length });
    return next;
  }

  async function run(): Promise<void> {
    let cursor = await openCursor();
    state.cursor = cursor;
    // Start small: the first range measures the event density before ranges grow to the target batch size.
    let rangeSize = maxRange < 16n ? maxRange : 16n;
    let lastProgress = Date.now();
    let progressBlocks = 0n;
    let progressEvents = 0;
    const inFlight: Promise<FetchedRange | null>[] = [];
    let plannedTo = cursor.blockNumber;
    const plan = (head: bigint) => {
      while (inFlight.length < prefetch && plannedTo < head) {
        const from = plannedTo + 1n;
        const to = from + rangeSize - 1n < head ? from + rangeSize - 1n : head;
        const promise = fetchRange(from, to);
        promise.catch(() => undefined);
        inFlight.push(promise);
        plannedTo = to;
      }
    };
    while (!abort.signal.aborted) {
      const head = await rpc.blockNumber();
      state.head = head;
      if (head < cursor.blockNumber || (head === cursor.blockNumber && (await existingBlock(head))?.hash !== cursor.blockHash)) {
        inFlight.length = 0;
        cursor = await handleReorg(cursor);
        plannedTo = cursor.blockNumber;
        continue;
      }
      if (head === cursor.blockNumber) {
        if (!state.ready) {
          state.ready = true;
          log(`caught up with chain ${chainId} at block ${head} (${state.events} events indexed)`);
          markReady();
        }
        await sleep(pollIntervalMs, abort.signal);
        continue;
      }
      plan(head);
      const waitStart = performance.now();
      const range = await inFlight.shift()!;
      profile.wait += performance.now() - waitStart;
      if (abort.signal.aborted) break;
      const result = range ? await applyRange(cursor, range, head) : "reorg";
      if (result === "reorg" || !range) {
        inFlight.length = 0;
        cursor = await handleReorg(cursor);
        plannedTo = cursor.blockNumber;
        continue;
      }
      cursor = result;
      state.cursor = cursor;
      const blocks = range.to - range.from + 1n;
      if (range.to < range.plannedTo) {
        // The range had to shrink to fit one answer: the ranges fetched ahead start past its planned end.
        inFlight.length = 0;
        plannedTo = cursor.blockNumber;
        rangeSize = blocks;
      }
      // Aim the next ranges at the target batch size from the density just seen.
      const density = range.logs.length / Number(blocks);
      const wanted = density > 0 ? BigInt(Math.max(1, Math.floor(targetEvents / density))) : rangeSize * 2n;
      // Grow at most 2x per step so a sparse start cannot jump straight into a huge dense range.
      const capped = wanted > rangeSize * 2n ? rangeSize * 2n : wanted;
      rangeSize = capped > maxRange ? maxRange : capped < 1n ? 1n : capped;
      progressBlocks += blocks;
      progressEvents += range.logs.length;
      const now = Date.now();
      if (!state.ready && now - lastProgress >= 2_000) {
        const seconds = (now - lastProgress) / 1000;
        log(
          `backfill chain ${chainId}: block ${cursor.blockNumber}/${head} · ${Math.round(Number(progressBlocks) / seconds)} blocks/s · ${Math.round(progressEvents / seconds)} events/s · lag ${head - cursor.blockNumber} blocks · ms waiting for RPC/applying/writing ${Math.round(profile.wait)}/${Math.round(profile.apply)}/${Math.round(profile.write)} · ${memoryLine()}`,
        );
        profile.wait = profile.apply = profile.write = 0;
        lastProgress = now;
        progressBlocks = 0n;
        progressEvents = 0;
      }
    }
  }

  const done = run()
    .then(() => {
      if (lockLost) throw new Error(lockLost);
    })
    .catch((error: unknown) => {
      if (abort.signal.aborted && !lockLost) return;
      state.error = error instanceof Error ? error.message : String(error);
      log(`indexer stopped: ${state.error}`);
      throw error;
    });
  done.catch(() => undefined);

  const status = (): IndexerStatus => ({
    chainId,
    ready: state.ready,
    indexedBlock: state.cursor?.blockNumber.toString() ?? null,
    headBlock: state.head?.toString() ?? null,
    lagBlocks: state.head !== null && state.cursor ? Number(state.head - state.cursor.blockNumber) : null,
    events: state.events,
    error: state.error,
  });

  let server: Server | null = null;
  let port: number | null = null;
  if (options.port !== null && options.port !== undefined) {
    server = createServer((request, response) => {
      const current = status();
      const send = (code: number, body: unknown) => {
        response.writeHead(code, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.url === "/health") return send(current.error ? 503 : 200, { status: current.error ? "failed" : "ok", ...current });
      // Ready = caught up now (a few blocks of slack so every new block does not flap it), not just once.
      const caughtUp = current.ready && !current.error && current.lagBlocks !== null && current.lagBlocks <= READY_LAG_BLOCKS;
      if (request.url === "/ready") return send(caughtUp ? 200 : 503, current);
      send(404, { error: "not found; try /health or /ready" });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === "EADDRINUSE" ? `INDEXER_PORT ${options.port} is already in use.` : error.message)),
      );
      server!.listen(options.port!, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  return {
    ready,
    done,
    port,
    status,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await closeDb();
    },
  };
}
