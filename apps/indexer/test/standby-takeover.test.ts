import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenForData, type DataEvent } from "@gridlease/db/data-events";
import pg from "pg";
import { startIndexer } from "../src/indexer";
import type { Simulator } from "../../../scripts/market/simulate";
import { CursorMovedError, loadCursor, saveCursor } from "../src/store";
import { cleanIndexDigest, indexerOptions, indexerProcessEnv, query, seedSmallMarket } from "./fixtures";
import { CHAIN_ID, databaseDigest, deployContracts, REPO_ROOT, startHardhatNode, startTestPostgres, type HardhatNode, type TestDatabase } from "./harness";

// Two real indexer processes (apps/indexer/src/main.ts) against one database: the writer is killed
// with SIGKILL and the standby must take over within 5 s, ending equal to a clean index.
const TAKEOVER_LIMIT_MS = 5_000;

let node: HardhatNode;
let postgres: TestDatabase;
let deployment: GridleaseDeployment;
let sim: Simulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTestPostgres()]);
  ({ deployment, sim } = await deployContracts(node.url));
  await seedSmallMarket(sim, 41);
  await seedSmallMarket(sim, 43, 20);
  // 2,000 more (empty) blocks: a backfill in 2-block ranges then lasts long enough to be killed in the
  // middle even when this busy machine lets the test observe the cursor only now and then.
  await sim.publicClient.request({ method: "hardhat_mine" as never, params: ["0x7d0"] as never });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  await Promise.all([node?.stop(), postgres?.stop()]);
});

interface IndexerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the time a line matching `pattern` appeared. */
  saw: (pattern: RegExp, timeoutMs?: number) => Promise<number>;
  exited: Promise<unknown>;
}

/** The real entry point as a process group (tsx runs node as a child; kill -9 must take both). */
function spawnIndexer(databaseUrl: string, maxRangeBlocks: number): IndexerProcess {
  const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/tsx"), ["apps/indexer/src/main.ts"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: indexerProcessEnv(databaseUrl, node.url, deployment, maxRangeBlocks),
  });
  children.push(child);
  let text = "";
  const waiters: { pattern: RegExp; resolve: (at: number) => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(Date.now());
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    child,
    exited,
    output: () => text,
    saw: (pattern, timeoutMs = 60_000) =>
      new Promise<number>((resolve, reject) => {
        if (pattern.test(text)) return resolve(Date.now());
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-2000)}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        });
      }),
  };
}

async function cursor(url: string): Promise<bigint> {
  const rows = await query<{ block: string }>(url, "select block_number::text as block from indexer_cursor where chain_id = $1", [CHAIN_ID]).catch(() => []);
  return BigInt(rows[0]?.block ?? "-1");
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a writer, then a standby that must say it is waiting; returns both. */
async function writerAndStandby(url: string, maxRangeBlocks: number) {
  const writer = spawnIndexer(url, maxRangeBlocks);
  await waitFor(async () => (await cursor(url)) >= 0n, 60_000, "the first indexer to write");
  const standby = spawnIndexer(url, maxRangeBlocks);
  await standby.saw(/standby: another indexer is writing chain/);
  expect(writer.output()).not.toMatch(/standby/);
  return { writer, standby };
}

/** kill -9 the writer; returns when, and how long until the standby held the writer lock. */
async function killWriter(writer: IndexerProcess, standby: IndexerProcess): Promise<{ killedAt: number; takeoverMs: number }> {
  const killedAt = Date.now();
  process.kill(-writer.child.pid!, "SIGKILL");
  await writer.exited;
  const tookOverAt = await standby.saw(/standby: took over as the writer/, 30_000);
  return { killedAt, takeoverMs: tookOverAt - killedAt };
}

describe("hot standby indexer", () => {
  it("takes over within 5 s when the writer is killed with kill -9 during a backfill, and ends equal to a clean index", async () => {
    const url = await postgres.create("standby_backfill");
    const head = await sim.publicClient.getBlockNumber();
    const { writer, standby } = await writerAndStandby(url, 2); // 2-block ranges: the backfill takes many batches
    const midway = (await cursor(url)) + (head - (await cursor(url))) / 3n;
    await waitFor(async () => (await cursor(url)) >= midway, 60_000, "the writer to get a third of the way");
    const atKill = await cursor(url);
    const { killedAt, takeoverMs } = await killWriter(writer, standby);
    expect(atKill).toBeLessThan(head); // it really died mid-backfill
    const advancedAt = await waitFor(async () => (await cursor(url)) > atKill, 30_000, "the standby to write a batch");
    console.log(`backfill: standby held the lock ${takeoverMs} ms after kill -9 and committed its first batch after ${advancedAt - killedAt} ms`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(advancedAt - killedAt).toBeLessThan(TAKEOVER_LIMIT_MS);
    await waitFor(async () => (await cursor(url)) >= head, 120_000, "the standby to finish the backfill");
    process.kill(-standby.child.pid!, "SIGTERM");
    await standby.exited;
    const clean = await cleanIndexDigest(await postgres.create("standby_backfill_clean"), node.url, deployment);
    expect(await databaseDigest(url)).toEqual(clean);
  });

  it("takes over within 5 s when the writer is killed with kill -9 while following new blocks, losing and doubling nothing", async () => {
    const url = await postgres.create("standby_live");
    const { writer, standby } = await writerAndStandby(url, 50);
    await writer.saw(/caught up with chain/);
    // New market activity while the writer follows the head; the writer dies in the middle of it.
    const activity = seedSmallMarket(sim, 47, 40);
    const start = await cursor(url);
    await waitFor(async () => (await cursor(url)) >= start + 15n, 60_000, "the writer to follow some new blocks");
    const atKill = await cursor(url);
    const { killedAt, takeoverMs } = await killWriter(writer, standby);
    const advancedAt = await waitFor(async () => (await cursor(url)) > atKill, 30_000, "the standby to write a batch");
    console.log(`live: standby held the lock ${takeoverMs} ms after kill -9 and committed its first batch after ${advancedAt - killedAt} ms`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(advancedAt - killedAt).toBeLessThan(TAKEOVER_LIMIT_MS);
    await activity;
    const head = await sim.publicClient.getBlockNumber();
    await waitFor(async () => (await cursor(url)) >= head, 60_000, "the standby to reach the head");
    process.kill(-standby.child.pid!, "SIGTERM");
    await standby.exited;
    const clean = await cleanIndexDigest(await postgres.create("standby_live_clean"), node.url, deployment);
    expect(await databaseDigest(url)).toEqual(clean);
    // Every event once: the digest compares rows, this compares counts with the chain's own log count.
    const [events] = await query<{ n: number; distinct: number }>(
      url,
      "select count(*)::int as n, count(distinct (tx_hash, log_index))::int as distinct from raw_event",
    );
    expect(events!.n).toBe(events!.distinct);
  });

  it("announces each committed batch on the data channel, and refuses a cursor write fenced on a block that is no longer the stored one", async () => {
    const url = await postgres.create("fenced_cursor");
    const events: (DataEvent | null)[] = [];
    const listener = listenForData(url, (event) => events.push(event));
    await listener.ready;
    const indexer = await startIndexer(indexerOptions(url, node.url, deployment, { maxRangeBlocks: 8 }));
    await indexer.ready;
    await indexer.stop();
    const db = new pg.Pool({ connectionString: url, max: 1 });
    const stored = (await loadCursor(db, CHAIN_ID))!;
    await waitFor(async () => events.some((e) => e?.block === stored.blockNumber.toString()), 5_000, "the last batch's notification");
    await listener.close();
    const batches = events.filter((e): e is DataEvent => e !== null && e.source === "indexer");
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.some((e) => e.dataChanged)).toBe(true);
    // Notifications arrive in commit order, so the blocks only go up.
    expect(batches.map((e) => BigInt(e.block!))).toEqual(batches.map((e) => BigInt(e.block!)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    try {
      const stale = { blockNumber: stored.blockNumber - 1n, blockHash: stored.blockHash };
      const next = { ...stored, blockNumber: stored.blockNumber + 1n, blockHash: "0x01" };
      await expect(saveCursor(db, next, true, stale)).rejects.toBeInstanceOf(CursorMovedError);
      expect((await loadCursor(db, CHAIN_ID))!.blockNumber).toBe(stored.blockNumber);
      await saveCursor(db, next, true, stored); // fenced on the stored cursor: accepted
      expect((await loadCursor(db, CHAIN_ID))!.blockNumber).toBe(stored.blockNumber + 1n);
    } finally {
      await db.end();
    }
  });
});
