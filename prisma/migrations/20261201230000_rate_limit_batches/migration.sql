-- Issue 19: a web process may take several tokens of a busy client's bucket in one round trip
-- (apps/web/lib/api/rate-limit.ts ReservedTokens); the statement returns how many it was granted.
ALTER TABLE "rate_limit_bucket" ADD COLUMN "granted" INTEGER NOT NULL DEFAULT 0;
