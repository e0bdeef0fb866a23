-- Notifications (issue 17): wallet-owned subscriptions, an outbox the notifier drains, and one message
-- row per (subscription, event) — the idempotency key and the notification centre's list at once.

-- An email address or webhook URL a wallet subscribed to some event kinds (packages/sdk/src/notifications.ts).
CREATE TABLE "notify_subscription" (
  "id" BIGSERIAL PRIMARY KEY,
  "chain_id" INTEGER NOT NULL,
  "wallet" TEXT NOT NULL,
  "channel" TEXT NOT NULL CHECK ("channel" IN ('email', 'webhook')),
  "target" TEXT NOT NULL,
  "kinds" TEXT[] NOT NULL,
  "low_balance_seconds" INTEGER NOT NULL DEFAULT 3600 CHECK ("low_balance_seconds" > 0),
  -- HMAC-SHA256 key of a webhook's signatures; shown to the owner once, at creation.
  "secret" TEXT NOT NULL,
  -- Random tokens of the confirmation and unsubscribe links (email); unguessable, one per subscription.
  "confirm_token" TEXT NOT NULL UNIQUE,
  "unsubscribe_token" TEXT NOT NULL UNIQUE,
  -- Null until the address's owner follows the confirmation link; webhooks are confirmed at creation.
  "confirmed_at" TIMESTAMPTZ(3),
  "unsubscribed_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE ("chain_id", "wallet", "channel", "target")
);
CREATE INDEX "notify_subscription_wallet_idx" ON "notify_subscription"("chain_id", "wallet");

-- Work for the notifier: contract events copied here by a trigger on raw_event (so events re-inserted
-- after a reorg, or inserted by any batch, are never missed by a cursor), and confirmation requests
-- and test messages written by the web app. Rows are marked processed in the transaction that creates their messages.
CREATE TABLE "notify_outbox" (
  "id" BIGSERIAL PRIMARY KEY,
  "source" TEXT NOT NULL CHECK ("source" IN ('event', 'confirm', 'test')),
  "chain_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "tx_hash" TEXT,
  "log_index" INTEGER,
  "block_number" BIGINT,
  "args" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "processed_at" TIMESTAMPTZ(3)
);
CREATE INDEX "notify_outbox_pending_idx" ON "notify_outbox"("id") WHERE "processed_at" IS NULL;

-- One message to one subscription about one event. UNIQUE (subscription_id, event_key) is the
-- idempotency key: an event seen twice (reorg, restart mid-batch) never makes a second message.
CREATE TABLE "notify_message" (
  "id" BIGSERIAL PRIMARY KEY,
  "subscription_id" BIGINT NOT NULL REFERENCES "notify_subscription"("id") ON DELETE CASCADE,
  "chain_id" INTEGER NOT NULL,
  "wallet" TEXT NOT NULL,
  "event_key" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "lease_id" BIGINT,
  "payload" JSONB NOT NULL,
  -- pending (queued), retrying (failed, another attempt is due), sent, dead (retries exhausted).
  "status" TEXT NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending', 'retrying', 'sent', 'dead')),
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_error" TEXT,
  -- When the event became known to the database (outbox row or clock check): latency is sent_at - event_at.
  "event_at" TIMESTAMPTZ(3) NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  "sent_at" TIMESTAMPTZ(3),
  UNIQUE ("subscription_id", "event_key")
);
CREATE INDEX "notify_message_wallet_idx" ON "notify_message"("chain_id", "wallet", "id" DESC);

-- Statement-level with a transition table: one insert per indexer batch, whatever its size (the
-- indexer COPYs raw_event rows), and only the lease events notifications are made of.
CREATE FUNCTION "notify_outbox_from_raw_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  added INTEGER;
BEGIN
  INSERT INTO "notify_outbox" ("source", "chain_id", "name", "tx_hash", "log_index", "block_number", "args")
  SELECT 'event', r."chain_id", r."name", r."tx_hash", r."log_index", r."block_number", r."args"
  FROM new_rows r
  WHERE r."name" IN ('LeaseBooked', 'LeaseAccepted', 'LeaseClosed', 'OutageReported', 'DisputeOpened', 'DisputeResolved', 'DisputeFinalized')
  ORDER BY r."block_number", r."log_index";
  GET DIAGNOSTICS added = ROW_COUNT;
  -- Wakes the notifier at commit (it also polls, so a missed wake-up only delays).
  IF added > 0 THEN PERFORM pg_notify('gridlease_notify', ''); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "raw_event_notify_outbox" AFTER INSERT ON "raw_event"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "notify_outbox_from_raw_event"();
