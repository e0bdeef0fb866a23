-- State every web process shares (issue 20: any number of stateless web processes behind one port).
-- PostgreSQL rather than a second store (Redis): every web process already holds a pool to it, it is
-- the one service operators must run and back up anyway, and a single-row upsert or delete answers in
-- well under a millisecond on the same host. See docs/deploy.md.

-- Sign-in nonces: single-use across processes because consuming one is a DELETE ... RETURNING (only
-- one transaction can delete a row). binding = SHA-256 of the pre-login cookie the nonce was issued with.
-- UNLOGGED: a crash loses only pending sign-ins (the user asks for a new nonce), and writes skip the WAL.
CREATE UNLOGGED TABLE "siwe_nonce" (
  "nonce" TEXT PRIMARY KEY,
  "client" TEXT NOT NULL,
  "binding" BYTEA NOT NULL,
  "issued_at" TIMESTAMPTZ(3) NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX "siwe_nonce_client_idx" ON "siwe_nonce"("client", "issued_at");
CREATE INDEX "siwe_nonce_expires_idx" ON "siwe_nonce"("expires_at");

-- Token buckets of the API rate limiters, one row per (limiter, client key). Updated under the row
-- lock in one statement, so concurrent requests from one client through different processes draw on
-- one budget. A bucket idle long enough to be full again equals a missing row and is deleted.
CREATE UNLOGGED TABLE "rate_limit_bucket" (
  "limiter" TEXT NOT NULL,
  "client" TEXT NOT NULL,
  "tokens" DOUBLE PRECISION NOT NULL,
  "updated_ms" BIGINT NOT NULL,
  "allowed" BOOLEAN NOT NULL,
  PRIMARY KEY ("limiter", "client")
);
CREATE INDEX "rate_limit_bucket_updated_idx" ON "rate_limit_bucket"("updated_ms");

-- Sessions signed out before their expiry. Logged: a revocation must survive a database restart.
CREATE TABLE "web_session_revoked" (
  "session_id" TEXT PRIMARY KEY,
  "expires_at" TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX "web_session_revoked_expires_idx" ON "web_session_revoked"("expires_at");

-- The key that signs session cookies when SESSION_SECRET is not set: created once by the first web
-- process, read by every other one, so a cookie from one process is valid on all of them.
CREATE TABLE "web_secret" (
  "name" TEXT PRIMARY KEY,
  "value" BYTEA NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
