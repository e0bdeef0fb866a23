import { randomBytes } from "node:crypto";
import { z } from "zod";
import { getPool } from "@gridlease/db/client";
import { inTransaction } from "@gridlease/db/transaction";
import {
  DEFAULT_LOW_BALANCE_SECONDS,
  LOW_BALANCE_SECONDS_MAX,
  LOW_BALANCE_SECONDS_MIN,
  NOTIFICATION_KINDS,
  notifyProductionMode,
  webhookUrlProblem,
} from "@gridlease/sdk/notifications";
import { ApiError } from "@/lib/api";

/** Subscriptions and the notification centre (issue 17); the notifier (apps/notifier) delivers. */

/** A wallet's subscriptions at most: each is an address or URL the notifier writes to. */
export const MAX_SUBSCRIPTIONS_PER_WALLET = 20;

const production = () => notifyProductionMode(process.env.NOTIFY_PRODUCTION, process.env.PUBLIC_ORIGIN);

const kinds = z
  .array(z.enum(NOTIFICATION_KINDS))
  .min(1, "choose at least one event kind")
  .max(NOTIFICATION_KINDS.length)
  .transform((list) => [...new Set(list)]);
const lowBalanceSeconds = z.number().int().min(LOW_BALANCE_SECONDS_MIN).max(LOW_BALANCE_SECONDS_MAX);

export const createSubscriptionSchema = z.discriminatedUnion(
  "channel",
  [
    z
      .object({
        channel: z.literal("email"),
        target: z.string().trim().max(254).pipe(z.email("must be an email address like name@example.com")),
        kinds,
        lowBalanceSeconds: lowBalanceSeconds.default(DEFAULT_LOW_BALANCE_SECONDS),
      })
      .strict(),
    z
      .object({
        channel: z.literal("webhook"),
        target: z
          .string()
          .trim()
          .max(2000)
          .superRefine((value, ctx) => {
            const problem = webhookUrlProblem(value, production());
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }),
        kinds,
        lowBalanceSeconds: lowBalanceSeconds.default(DEFAULT_LOW_BALANCE_SECONDS),
      })
      .strict(),
  ],
  { error: 'channel must be "email" or "webhook"' },
);

export const updateSubscriptionSchema = z.object({ kinds: kinds.optional(), lowBalanceSeconds: lowBalanceSeconds.optional() }).strict();

export const idParamSchema = z.object({ id: z.string().regex(/^\d{1,18}$/, "must be a subscription id") });

export const tokenQuerySchema = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "must be the token from the email's link") }).strict();

export const messagesQuerySchema = z
  .object({
    status: z.enum(["pending", "retrying", "sent", "dead"]).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.coerce.number().int().positive().optional(),
  })
  .strict();

const token = () => randomBytes(24).toString("base64url");

export interface SubscriptionView {
  id: string;
  channel: "email" | "webhook";
  target: string;
  kinds: string[];
  lowBalanceSeconds: number;
  confirmed: boolean;
  unsubscribed: boolean;
  createdAt: string;
}

const VIEW_COLUMNS = `id::text, channel, target, kinds, low_balance_seconds as "lowBalanceSeconds", confirmed_at is not null as confirmed,
  unsubscribed_at is not null as unsubscribed, created_at as "createdAt"`;

export async function listSubscriptions(chainId: number, wallet: string): Promise<SubscriptionView[]> {
  const { rows } = await getPool().query<SubscriptionView>(`select ${VIEW_COLUMNS} from notify_subscription where chain_id = $1 and wallet = $2 order by id`, [
    chainId,
    wallet,
  ]);
  return rows;
}

/**
 * Creates (or renews) a subscription. A webhook is active at once and its signing secret is returned
 * this one time; an email address stays inactive until its owner follows the confirmation link, which
 * the notifier mails (outbox row, source 'confirm'). Subscribing an address again after an unsubscribe
 * asks its owner again.
 */
export async function createSubscription(chainId: number, wallet: string, input: z.infer<typeof createSubscriptionSchema>) {
  return inTransaction(getPool(), async (client) => {
    const count = await client.query<{ n: number }>(`select count(*)::int as n from notify_subscription where chain_id = $1 and wallet = $2`, [
      chainId,
      wallet,
    ]);
    const existing = await client.query<{ id: string }>(
      `select id::text from notify_subscription where chain_id = $1 and wallet = $2 and channel = $3 and target = $4`,
      [chainId, wallet, input.channel, input.target],
    );
    if (!existing.rows[0] && count.rows[0]!.n >= MAX_SUBSCRIPTIONS_PER_WALLET) {
      throw new ApiError(
        409,
        "too_many_subscriptions",
        `target: a wallet may hold at most ${MAX_SUBSCRIPTIONS_PER_WALLET} subscriptions; delete one first.`,
        "target",
      );
    }
    const webhook = input.channel === "webhook";
    const { rows } = await client.query<SubscriptionView & { secret: string; confirmToken: string; needsConfirmation: boolean }>(
      `insert into notify_subscription (chain_id, wallet, channel, target, kinds, low_balance_seconds, secret, confirm_token, unsubscribe_token, confirmed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $10 then now() end)
       on conflict (chain_id, wallet, channel, target) do update set
         kinds = excluded.kinds, low_balance_seconds = excluded.low_balance_seconds, updated_at = now(),
         confirm_token = case when notify_subscription.unsubscribed_at is not null then excluded.confirm_token else notify_subscription.confirm_token end,
         confirmed_at = case when notify_subscription.unsubscribed_at is not null and not $10 then null else coalesce(notify_subscription.confirmed_at, excluded.confirmed_at) end,
         unsubscribed_at = null
       returning ${VIEW_COLUMNS}, secret, confirm_token as "confirmToken", (confirmed_at is null) as "needsConfirmation"`,
      [chainId, wallet, input.channel, input.target, input.kinds, input.lowBalanceSeconds, token(), token(), token(), webhook],
    );
    const row = rows[0]!;
    if (row.needsConfirmation) {
      await client.query(`insert into notify_outbox (source, chain_id, name, args) values ('confirm', $1, 'ConfirmEmail', $2)`, [
        chainId,
        JSON.stringify({ subscriptionId: row.id, wallet, confirmToken: row.confirmToken }),
      ]);
      await client.query(`select pg_notify('gridlease_notify', '')`);
    }
    const { secret, confirmToken: _omit, needsConfirmation, ...view } = row;
    // The secret is shown once, to the signed-in owner, at creation; the list never carries it.
    return { subscription: view, ...(webhook && !existing.rows[0] ? { secret } : {}), confirmationSent: needsConfirmation };
  });
}

function notFound(): never {
  throw new ApiError(404, "not_found", "id: no subscription with this id belongs to the signed-in wallet.", "id");
}

export async function updateSubscription(chainId: number, wallet: string, id: string, input: z.infer<typeof updateSubscriptionSchema>) {
  const { rows } = await getPool().query<SubscriptionView>(
    `update notify_subscription set kinds = coalesce($4, kinds), low_balance_seconds = coalesce($5, low_balance_seconds), updated_at = now()
      where id = $1 and chain_id = $2 and wallet = $3 returning ${VIEW_COLUMNS}`,
    [id, chainId, wallet, input.kinds ?? null, input.lowBalanceSeconds ?? null],
  );
  return rows[0] ?? notFound();
}

export async function deleteSubscription(chainId: number, wallet: string, id: string) {
  const { rowCount } = await getPool().query(`delete from notify_subscription where id = $1 and chain_id = $2 and wallet = $3`, [id, chainId, wallet]);
  if (!rowCount) notFound();
}

/** Queues a test message; an email address must be confirmed first (409 naming `target`, nothing sent). */
export async function sendTestMessage(chainId: number, wallet: string, id: string) {
  await inTransaction(getPool(), async (client) => {
    const { rows } = await client.query<{ confirmed: boolean; unsubscribed: boolean; channel: string }>(
      `select confirmed_at is not null as confirmed, unsubscribed_at is not null as unsubscribed, channel
         from notify_subscription where id = $1 and chain_id = $2 and wallet = $3 for update`,
      [id, chainId, wallet],
    );
    const sub = rows[0] ?? notFound();
    if (sub.unsubscribed) throw new ApiError(409, "unsubscribed", "target: this address unsubscribed; subscribe it again first.", "target");
    if (!sub.confirmed)
      throw new ApiError(409, "unconfirmed", "target: this email address is not confirmed yet; follow the link in the confirmation email first.", "target");
    await client.query(`insert into notify_outbox (source, chain_id, name, args) values ('test', $1, 'Test', $2)`, [
      chainId,
      JSON.stringify({ subscriptionId: id, wallet, nonce: token() }),
    ]);
    await client.query(`select pg_notify('gridlease_notify', '')`);
  });
}

/** Follows a confirmation link: true when the token matched an unconfirmed or confirmed subscription. */
export async function confirmByToken(tokenValue: string): Promise<boolean> {
  const { rowCount } = await getPool().query(
    `update notify_subscription set confirmed_at = coalesce(confirmed_at, now()), updated_at = now() where confirm_token = $1 and unsubscribed_at is null`,
    [tokenValue],
  );
  return (rowCount ?? 0) > 0;
}

export async function unsubscribeByToken(tokenValue: string): Promise<boolean> {
  const { rowCount } = await getPool().query(
    `update notify_subscription set unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() where unsubscribe_token = $1`,
    [tokenValue],
  );
  return (rowCount ?? 0) > 0;
}

export interface MessageView {
  id: string;
  subscriptionId: string;
  channel: string;
  target: string;
  kind: string;
  leaseId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
  sentAt: string | null;
}

/** The notification centre: this wallet's messages, newest first. */
export async function listMessages(chainId: number, wallet: string, query: z.infer<typeof messagesQuerySchema>) {
  const { rows } = await getPool().query<MessageView>(
    `select m.id::text, m.subscription_id::text as "subscriptionId", s.channel, s.target, m.kind, m.lease_id::text as "leaseId", m.status, m.attempts,
            m.last_error as "lastError", m.payload, m.created_at as "createdAt", m.sent_at as "sentAt"
       from notify_message m join notify_subscription s on s.id = m.subscription_id
      where m.chain_id = $1 and m.wallet = $2 and ($3::text is null or m.status = $3) and ($4::bigint is null or m.id < $4)
      order by m.id desc limit $5`,
    [chainId, wallet, query.status ?? null, query.before ?? null, query.limit],
  );
  const counts = await getPool().query<{ status: string; n: number }>(
    `select status, count(*)::int as n from notify_message where chain_id = $1 and wallet = $2 group by status`,
    [chainId, wallet],
  );
  return { messages: rows, counts: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])) };
}
