import type pg from "pg";
import type { Notice } from "./events";

/** SQL of the notifier's tables (prisma/migrations/*_notifications), in one place. */

export interface SubscriptionRow {
  id: string;
  wallet: string;
  kinds: string[];
}

/** Confirmed, subscribed rows of these wallets (lowercase) on this chain. */
export async function activeSubscriptions(db: pg.ClientBase, chainId: number, wallets: string[]): Promise<SubscriptionRow[]> {
  if (wallets.length === 0) return [];
  const { rows } = await db.query<SubscriptionRow>(
    `select id::text, wallet, kinds from notify_subscription
      where chain_id = $1 and wallet = any($2) and confirmed_at is not null and unsubscribed_at is null`,
    [chainId, wallets],
  );
  return rows;
}

export interface NewMessage {
  subscriptionId: string;
  chainId: number;
  wallet: string;
  eventKey: string;
  kind: string;
  leaseId: string | null;
  payload: Record<string, unknown>;
  eventAt: Date;
}

/**
 * Inserts the messages that do not exist yet and returns the new ids: (subscription, event) is unique,
 * so a replayed event, a second notifier or a retried batch adds nothing.
 */
export async function insertMessages(db: pg.ClientBase, messages: NewMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `insert into notify_message (subscription_id, chain_id, wallet, event_key, kind, lease_id, payload, event_at)
     select m.subscription_id, m.chain_id, m.wallet, m.event_key, m.kind, m.lease_id, m.payload, m.event_at
       from json_populate_recordset(null::notify_message, $1::json) m
     on conflict (subscription_id, event_key) do nothing
     returning id::text`,
    [
      JSON.stringify(
        messages.map((m) => ({
          subscription_id: m.subscriptionId,
          chain_id: m.chainId,
          wallet: m.wallet,
          event_key: m.eventKey,
          kind: m.kind,
          lease_id: m.leaseId,
          payload: m.payload,
          event_at: m.eventAt.toISOString(),
        })),
      ),
    ],
  );
  return rows.map((r) => r.id);
}

/** Notices × matching subscriptions (same wallet, kind subscribed) → messages. */
export function matchNotices(chainId: number, notices: Notice[], subscriptions: SubscriptionRow[], eventAt: Date): NewMessage[] {
  const out: NewMessage[] = [];
  for (const notice of notices) {
    for (const sub of subscriptions) {
      if (sub.wallet !== notice.wallet || !sub.kinds.includes(notice.kind)) continue;
      out.push({
        subscriptionId: sub.id,
        chainId,
        wallet: notice.wallet,
        eventKey: notice.eventKey,
        kind: notice.kind,
        leaseId: notice.leaseId,
        payload: { kind: notice.kind, ...notice.payload },
        eventAt,
      });
    }
  }
  return out;
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  chain_id: number;
  wallet: string;
  event_key: string;
  kind: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  created_at: Date;
  channel: "email" | "webhook";
  target: string;
  secret: string;
  confirm_token: string;
  unsubscribe_token: string;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
}

export async function loadDelivery(db: pg.Pool, messageId: string): Promise<DeliveryRow | undefined> {
  const { rows } = await db.query<DeliveryRow>(
    `select m.id::text, m.subscription_id::text, m.chain_id, m.wallet, m.event_key, m.kind, m.payload, m.status, m.attempts, m.created_at,
            s.channel, s.target, s.secret, s.confirm_token, s.unsubscribe_token, s.confirmed_at, s.unsubscribed_at
       from notify_message m join notify_subscription s on s.id = m.subscription_id
      where m.id = $1`,
    [messageId],
  );
  return rows[0];
}

/** Records one attempt's outcome. Only a row not yet sent is changed, so a late duplicate cannot undo "sent". */
export async function recordAttempt(db: pg.Pool, messageId: string, outcome: { status: "sent" | "retrying" | "dead"; error?: string }): Promise<void> {
  await db.query(
    `update notify_message
        set status = $2, attempts = attempts + 1, last_error = $3, updated_at = clock_timestamp(),
            sent_at = case when $2 = 'sent' then clock_timestamp() else sent_at end
      where id = $1 and status <> 'sent'`,
    [messageId, outcome.status, outcome.error?.slice(0, 500) ?? null],
  );
}
