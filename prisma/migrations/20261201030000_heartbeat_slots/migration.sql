-- Heartbeats: at most one row per provider per 5-minute uptime slot (packages/sdk/src/heartbeat.ts),
-- so a provider (or anyone replaying its beats) can add at most 288 rows a day, and the uptime
-- query reads one provider's slots inside the 30-day window through the unique index.

-- The first heartbeat ever seen, kept on the uptime row: uptime windows start there, and the
-- heartbeat rows themselves are pruned past the longest window.
ALTER TABLE "provider_uptime" ADD COLUMN "first_heartbeat_at" TIMESTAMPTZ(3);
UPDATE "provider_uptime" u SET "first_heartbeat_at" = coalesce(
  (SELECT min(h."signed_at") FROM "provider_heartbeat" h WHERE h."chain_id" = u."chain_id" AND h."provider" = u."provider"),
  u."last_heartbeat_at");
ALTER TABLE "provider_uptime" ALTER COLUMN "first_heartbeat_at" SET NOT NULL;

ALTER TABLE "provider_heartbeat" ADD COLUMN "slot" BIGINT;
UPDATE "provider_heartbeat" SET "slot" = floor(extract(epoch FROM "signed_at") / 300)::bigint;
ALTER TABLE "provider_heartbeat" ALTER COLUMN "slot" SET NOT NULL;

-- Keep the first beat of each slot; the rest carried no uptime information.
DELETE FROM "provider_heartbeat" h USING "provider_heartbeat" k
  WHERE k."chain_id" = h."chain_id" AND k."provider" = h."provider" AND k."slot" = h."slot" AND k."id" < h."id";
-- Past the longest uptime window (30 days) rows are never read again.
DELETE FROM "provider_heartbeat" WHERE "slot" <= floor(extract(epoch FROM now()) / 300)::bigint - 8640;

-- DropIndex
DROP INDEX "provider_heartbeat_chain_id_provider_signed_at_key";

-- CreateIndex
CREATE UNIQUE INDEX "provider_heartbeat_chain_id_provider_slot_key" ON "provider_heartbeat"("chain_id", "provider", "slot");
