-- provider_uptime.last_heartbeat_at is now the provider's last seen time, moved by every valid beat
-- (not only the first of each 5-minute slot). "Online" is last seen within ONLINE_WINDOW_SECONDS
-- (packages/sdk/src/heartbeat.ts), evaluated at read time; this index serves the search data
-- version's count of online providers (polled every 200 ms) and the silent-uptime refresh job.
CREATE INDEX "provider_uptime_last_heartbeat_at_idx" ON "provider_uptime"("last_heartbeat_at");

-- The 5-minute slot the uptime fractions were computed for: the refresh job (packages/db/src/uptime-refresh.ts)
-- recomputes a silent provider's uptime once per slot, so its uptime decays without new heartbeats.
ALTER TABLE "provider_uptime" ADD COLUMN "uptime_slot" BIGINT NOT NULL DEFAULT 0;
UPDATE "provider_uptime" SET "uptime_slot" = floor(extract(epoch FROM "updated_at") / 300)::bigint;
