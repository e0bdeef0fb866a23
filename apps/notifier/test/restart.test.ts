import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { messageCounts, query, startWebhookReceiver, subscribe, validSignature, waitUntil } from "./helpers";
import { indexedBooking } from "./indexed-rows";

// The notifier as `npm start` runs it (its own process, src/main.ts), stopped in the middle of a batch.
const CONCURRENCY = 2;
const BATCH = 4;
let pg: RunningPostgres;

beforeAll(async () => {
  pg = await startTempPostgres("gridlease-notifier-restart-");
  await runMigrations(pg.url);
});
afterAll(async () => {
  await pg?.stop();
});

function startProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: pg.url,
      CHAIN_ID: "31337",
      NOTIFY_RETRY_DELAY_SECONDS: "1",
      NOTIFY_JOB_TIMEOUT_SECONDS: "4",
      NOTIFY_POLL_MS: "200",
      NOTIFY_CONCURRENCY: String(CONCURRENCY),
      NOTIFY_BATCH: String(BATCH),
      TOP_UP_KEEPER: "0",
      MAIL_DIR: "/tmp/gridlease-notifier-test-mail",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes("[notifier] ready")) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`notifier exited (${code}) before ready:\n${output}`)));
  });
}

async function bookings(wallet: string, from: number, count: number) {
  for (let id = from; id < from + count; id++) await indexedBooking(pg.url, { id, renter: "0x00000000000000000000000000000000000000aa", provider: wallet });
}

describe("a notifier restarted mid-batch", () => {
  it("stopped (SIGTERM) while delivering: finishes the batch it started, the next one sends the rest, each event exactly once", async () => {
    const receiver = await startWebhookReceiver({ delayMs: 300 });
    const wallet = "0x0000000000000000000000000000000000000f01";
    await subscribe(pg.url, { wallet, channel: "webhook", target: receiver.url, kinds: ["booked"], secret: "restart" });
    // All 80 are waiting before the notifier starts: inserted while it ran, on a loaded machine it could
    // deliver them as fast as they came and be done before the stop.
    await bookings(wallet, 100, 80);
    let child = await startProcess();
    await waitUntil("some deliveries", () => receiver.hits.length >= 8);
    child.kill("SIGTERM");
    await once(child, "exit");
    const atStop = receiver.hits.length;
    expect(atStop).toBeLessThan(80);
    child = await startProcess();
    await waitUntil("all 80 delivered", () => receiver.delivered().size === 80, 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.hits).toHaveLength(80);
    for (const [, hits] of receiver.delivered()) expect(hits).toHaveLength(1);
    for (const hit of receiver.hits) expect(validSignature(hit, "restart")).toBe(true);
    expect(await messageCounts(pg.url)).toEqual({ sent: 80 });
    child.kill("SIGTERM");
    await once(child, "exit");
    await receiver.stop();
  });

  it("killed (SIGKILL) while delivering: loses nothing; only the sends in flight at the kill can repeat, with the same delivery id", async () => {
    const receiver = await startWebhookReceiver({ delayMs: 300 });
    const wallet = "0x0000000000000000000000000000000000000f02";
    await subscribe(pg.url, { wallet, channel: "webhook", target: receiver.url, kinds: ["booked"], secret: "killed" });
    let child = await startProcess();
    await bookings(wallet, 200, 80);
    await waitUntil("some deliveries", () => receiver.hits.length >= 8);
    child.kill("SIGKILL");
    await once(child, "exit");
    // Outbox rows not yet turned into messages, and messages not yet sent, wait in PostgreSQL.
    child = await startProcess();
    await waitUntil("all 80 delivered", () => receiver.delivered().size === 80, 90_000);
    await waitUntil("every message sent", async () => (await messageCounts(pg.url)).sent === 160, 60_000);
    const repeats = [...receiver.delivered().values()].filter((hits) => hits.length > 1);
    expect(repeats.length).toBeLessThanOrEqual(CONCURRENCY * BATCH);
    expect((await query(pg.url, `select 1 from notify_outbox where processed_at is null`)).length).toBe(0);
    child.kill("SIGTERM");
    await once(child, "exit");
    await receiver.stop();
  });
});
