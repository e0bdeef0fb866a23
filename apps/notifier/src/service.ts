import pg from "pg";
import PgBoss from "pg-boss";
import { inTransaction } from "@gridlease/db/transaction";
import { DEFAULT_LOW_BALANCE_SECONDS, ENDING_SOON_SECONDS } from "@gridlease/sdk/notifications";
import type { NotifierConfig } from "./config";
import { clockNotices, eventLeaseId, type Notice, noticesFor, type LeaseParties, type OutboxEvent } from "./events";
import { summarize } from "./render";
import { activeSubscriptions, insertMessages, loadDelivery, matchNotices, recordAttempt, type NewMessage } from "./store";
import { createMailer, postWebhook, type Mailer } from "./transports";

export const DELIVER_QUEUE = "notify-deliver";
export const DEAD_QUEUE = "notify-dead";
const OUTBOX_BATCH = 200;

export interface Notifier {
  /** Drains the outbox now (also runs on every LISTEN wake-up and poll). */
  dispatchNow(): Promise<number>;
  /** Runs the time-based check now at `nowSeconds` (default: the wall clock). */
  clockNow(nowSeconds?: number): Promise<number>;
  mailer: Mailer;
  stop(options?: { graceful?: boolean }): Promise<void>;
}

type Log = (line: string) => void;

/**
 * The notifier: outbox → messages (one per subscription and event, in the transaction that marks the
 * outbox row done, with its pg-boss job) → delivery by pg-boss workers with retries and backoff.
 */
export async function startNotifier(config: NotifierConfig, log: Log = (l) => console.log(`[notifier] ${l}`)): Promise<Notifier> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.NOTIFY_CONCURRENCY + 4 });
  pool.on("error", (error) => log(`idle PostgreSQL connection failed: ${error.message}`));
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, mailDir: config.MAIL_DIR, from: config.MAIL_FROM });

  const boss = new PgBoss({
    connectionString: config.DATABASE_URL,
    max: 4,
    // Expired (stuck) jobs are found by pg-boss's maintenance: run it often enough for the job timeout.
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.NOTIFY_JOB_TIMEOUT_SECONDS / 2))),
  });
  boss.on("error", (error) => log(`queue error: ${error.message}`));
  await boss.start();
  await boss.createQueue(DEAD_QUEUE);
  const queueOptions = {
    retryLimit: config.NOTIFY_RETRY_LIMIT,
    retryDelay: config.NOTIFY_RETRY_DELAY_SECONDS,
    retryBackoff: true,
    expireInSeconds: config.NOTIFY_JOB_TIMEOUT_SECONDS,
    deadLetter: DEAD_QUEUE,
  };
  await boss.createQueue(DELIVER_QUEUE, { name: DELIVER_QUEUE, ...queueOptions });
  // createQueue leaves an existing queue as it was: apply this start's retry settings.
  await boss.updateQueue(DELIVER_QUEUE, { name: DELIVER_QUEUE, ...queueOptions });

  const origin = new URL(config.PUBLIC_ORIGIN).origin;
  const linkTo = (path: string, token: string) => `${origin}${path}?token=${encodeURIComponent(token)}`;

  async function deliver(messageId: string, retryCount: number, retryLimit: number): Promise<void> {
    const row = await loadDelivery(pool, messageId);
    // Sent already (a job retried after its send was recorded) or dead: nothing to do, never a second send.
    if (!row || row.status === "sent" || row.status === "dead") return;
    if (row.unsubscribed_at) {
      await recordAttempt(pool, messageId, { status: "dead", error: "unsubscribed before delivery" });
      return;
    }
    if (!row.confirmed_at && row.kind !== "confirm_email") {
      await recordAttempt(pool, messageId, { status: "dead", error: "the address is not confirmed" });
      return;
    }
    const payload = { ...row.payload, wallet: row.wallet };
    const { subject, text } = summarize(row.kind, payload);
    try {
      if (row.channel === "email") {
        const unsubscribeUrl = linkTo("/api/notifications/unsubscribe", row.unsubscribe_token);
        const body =
          row.kind === "confirm_email"
            ? `${text}\n\nConfirm: ${linkTo("/api/notifications/confirm", row.confirm_token)}\n\nIf you did not ask for this, ignore this email or unsubscribe: ${unsubscribeUrl}\n`
            : `${text}\n\nNotification centre: ${origin}/notifications\nUnsubscribe: ${unsubscribeUrl}\n`;
        await mailer.send({ to: row.target, subject, text: body, unsubscribeUrl });
      } else {
        const deliveryId = `${row.subscription_id}:${row.event_key}`;
        const body = JSON.stringify({
          id: deliveryId,
          kind: row.kind,
          chainId: row.chain_id,
          wallet: row.wallet,
          createdAt: row.created_at.toISOString(),
          summary: text,
          data: row.payload,
          unsubscribeUrl: linkTo("/api/notifications/unsubscribe", row.unsubscribe_token),
        });
        await postWebhook({
          url: row.target,
          secret: row.secret,
          body,
          deliveryId,
          timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS,
          production: config.NOTIFY_PRODUCTION,
        });
      }
    } catch (error) {
      const last = retryCount >= retryLimit;
      await recordAttempt(pool, messageId, { status: last ? "dead" : "retrying", error: (error as Error).message });
      throw error; // pg-boss schedules the retry (or the dead letter) from here
    }
    await recordAttempt(pool, messageId, { status: "sent" });
  }

  // Each worker takes a batch and sends it concurrently. A failed send fails only its own job (the
  // others complete: pg-boss completes only jobs still active), and a worker that found jobs fetches
  // again at once instead of sleeping out its polling interval, so a burst drains at send speed.
  const workerIds: string[] = [];
  for (let i = 0; i < config.NOTIFY_CONCURRENCY; i++) {
    const workerId: string = await boss.work<{ messageId: string }>(
      DELIVER_QUEUE,
      { batchSize: config.NOTIFY_BATCH, pollingIntervalSeconds: 0.5, includeMetadata: true },
      async (jobs) => {
        await Promise.all(
          jobs.map(async (job) => {
            try {
              await deliver(job.data.messageId, job.retryCount, job.retryLimit);
            } catch (error) {
              await boss.fail(DELIVER_QUEUE, job.id, { message: (error as Error).message });
            }
          }),
        );
        if (jobs.length > 0) boss.notifyWorker(workerId);
      },
    );
    workerIds.push(workerId);
  }
  const wakeWorkers = () => {
    for (const id of workerIds) boss.notifyWorker(id);
  };

  /** Inserts messages and their jobs inside `client`'s open transaction. */
  async function enqueue(client: pg.PoolClient, messages: NewMessage[]): Promise<number> {
    const ids = await insertMessages(client, messages);
    if (ids.length === 0) return 0;
    // One INSERT for all the jobs, in the caller's transaction; retry settings come from the queue.
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    await boss.insert(
      ids.map((messageId) => ({ name: DELIVER_QUEUE, data: { messageId } })),
      { db },
    );
    return ids.length;
  }

  let dispatching: Promise<number> | null = null;
  let dispatchAgain = false;
  async function dispatchOnce(): Promise<number> {
    let created = 0;
    for (;;) {
      const batch = await inTransaction(pool, async (client) => {
        // skip locked: a second notifier takes other rows; a row is done in the transaction that made its messages.
        const result = await client.query(
          `select id::text, source, chain_id as "chainId", name, tx_hash as "txHash", log_index as "logIndex", block_number::text as "blockNumber", args, created_at as "createdAt"
             from notify_outbox where processed_at is null and chain_id = $1 order by id limit $2 for update skip locked`,
          [config.CHAIN_ID, OUTBOX_BATCH],
        );
        const rows: (OutboxEvent & { source: string })[] = result.rows;
        const messages: NewMessage[] = [];
        const noticed: { notices: Notice[]; at: Date }[] = [];
        const leaseIds = [...new Set(rows.map(eventLeaseId).filter((id): id is string => id !== null))];
        const leases = new Map<string, LeaseParties>();
        if (leaseIds.length) {
          const found = await client.query<LeaseParties>(
            `select lease_id::text as "leaseId", offer_id::text as "offerId", renter, provider from lease where chain_id = $1 and lease_id = any($2::bigint[])`,
            [config.CHAIN_ID, leaseIds],
          );
          for (const lease of found.rows) leases.set(lease.leaseId, lease);
        }
        for (const row of rows) {
          if (row.source === "confirm" || row.source === "test") {
            // Written by the web app for one subscription: the confirmation email (before it is
            // confirmed, so no subscription filter) or a test message the owner asked for.
            const sub = String(row.args.subscriptionId);
            const kind = row.source === "confirm" ? "confirm_email" : "test";
            const key = row.source === "confirm" ? `confirm:${row.args.confirmToken}` : `test:${row.args.nonce}`;
            messages.push({
              subscriptionId: sub,
              chainId: row.chainId,
              wallet: String(row.args.wallet),
              eventKey: key,
              kind,
              leaseId: null,
              payload: { kind },
              eventAt: row.createdAt,
            });
            continue;
          }
          const lease = leases.get(eventLeaseId(row) ?? "");
          if (!lease) continue; // not a lease event the indexer stored (refused rows): nothing to say
          noticed.push({ notices: noticesFor(row, lease), at: row.createdAt });
        }
        // One subscription lookup for every wallet the batch concerns.
        const subs = await activeSubscriptions(client, config.CHAIN_ID, [...new Set(noticed.flatMap((n) => n.notices.map((x) => x.wallet)))]);
        for (const { notices, at } of noticed) messages.push(...matchNotices(config.CHAIN_ID, notices, subs, at));
        created += await enqueue(client, messages);
        if (rows.length) await client.query(`update notify_outbox set processed_at = clock_timestamp() where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
        return rows.length;
      });
      if (batch < OUTBOX_BATCH) break;
    }
    if (created) wakeWorkers();
    return created;
  }
  /** One drain at a time; a wake-up during a drain runs one more after it. */
  function dispatchNow(): Promise<number> {
    if (dispatching) {
      dispatchAgain = true;
      return dispatching;
    }
    dispatching = (async () => {
      let total = 0;
      do {
        dispatchAgain = false;
        total += await dispatchOnce();
      } while (dispatchAgain);
      return total;
    })().finally(() => (dispatching = null));
    return dispatching;
  }

  async function clockNow(nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> {
    // Processed outbox rows are only the trail of what was dispatched (messages are the record): keep a week.
    await pool.query(`delete from notify_outbox where processed_at < now() - interval '7 days'`);
    const created = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<
        LeaseParties & { endsAt: string; subscriptionId: string; wallet: string; kinds: string[]; lowBalanceSeconds: number }
      >(
        `select s.id::text as "subscriptionId", s.wallet, s.kinds, s.low_balance_seconds as "lowBalanceSeconds",
                l.lease_id::text as "leaseId", l.offer_id::text as "offerId", l.renter, l.provider, l.ends_at::text as "endsAt"
           from notify_subscription s
           join lease l on l.chain_id = s.chain_id and (l.renter = s.wallet or l.provider = s.wallet)
          where s.chain_id = $1 and s.confirmed_at is not null and s.unsubscribed_at is null
            and (s.kinds && array['low_balance', 'ending_soon'])
            and l.status = 'Active' and l.ends_at > $2
            and l.ends_at - $2 <= greatest(case when 'low_balance' = any(s.kinds) then s.low_balance_seconds else 0 end, $3)`,
        [config.CHAIN_ID, nowSeconds, ENDING_SOON_SECONDS],
      );
      const eventAt = new Date();
      const messages = rows.flatMap((r) => {
        const notices = clockNotices(config.CHAIN_ID, r, nowSeconds, {
          lowBalanceSeconds: r.lowBalanceSeconds ?? DEFAULT_LOW_BALANCE_SECONDS,
          endingSoonSeconds: ENDING_SOON_SECONDS,
        });
        return matchNotices(config.CHAIN_ID, notices, [{ id: r.subscriptionId, wallet: r.wallet, kinds: r.kinds }], eventAt);
      });
      return enqueue(client, messages);
    });
    if (created) wakeWorkers();
    return created;
  }

  // LISTEN for the outbox trigger's wake-up; the poll below covers a dropped listener.
  const listener = new pg.Client({ connectionString: config.DATABASE_URL });
  listener.on("error", (error) => log(`listener connection failed: ${error.message}`));
  await listener.connect();
  await listener.query("listen gridlease_notify");
  const report = (what: string) => (error: Error) => log(`${what} failed: ${error.message}`);
  listener.on("notification", () => void dispatchNow().catch(report("dispatch")));
  const poll = setInterval(() => void dispatchNow().catch(report("dispatch")), config.NOTIFY_POLL_MS);
  const clock = setInterval(() => void clockNow().catch(report("clock check")), config.NOTIFY_CLOCK_MS);
  await dispatchNow();
  await clockNow();

  return {
    dispatchNow,
    clockNow,
    mailer,
    async stop({ graceful = true } = {}) {
      clearInterval(poll);
      clearInterval(clock);
      await listener.end().catch(() => undefined);
      await dispatching?.catch(() => undefined);
      await boss.stop({ graceful, wait: true, timeout: 10_000 });
      mailer.close();
      await pool.end();
    },
  };
}
