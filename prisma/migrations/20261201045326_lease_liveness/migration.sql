-- Liveness (issue 15): outage reports of leases (LeaseLiveness), the renters' approved reporters, and
-- SLA counters per provider. Written only by the indexer, like the other chain-derived tables: rows are
-- upserted by key (replays are idempotent) and journaled in indexer_undo near the head (reorgs roll back).

-- One row per outage report. `outage_id` is "<lease id>:<n>" for the lease's n-th report (a refuted
-- report may be followed by another), so the open one is found from the lease row alone.
CREATE TABLE "lease_outage" (
  "chain_id" INTEGER NOT NULL,
  "outage_id" TEXT NOT NULL,
  "lease_id" BIGINT NOT NULL,
  "seq" INTEGER NOT NULL,
  "renter" TEXT NOT NULL,
  "provider" TEXT NOT NULL,
  "reporter" TEXT NOT NULL,
  "last_seen" BIGINT NOT NULL,
  "cutoff" BIGINT NOT NULL,
  "bond" DECIMAL(78, 0) NOT NULL,
  "refutable_until" BIGINT NOT NULL,
  -- Reported (awaiting refutation), Refuted (bond to the provider) or Settled (lease closed as ProviderOffline)
  "status" TEXT NOT NULL,
  "reported_block" BIGINT NOT NULL,
  "reported_tx_hash" TEXT NOT NULL,
  "reported_log_index" INTEGER NOT NULL,
  "refuted_block" BIGINT,
  "refuted_tx_hash" TEXT,
  "proof_block" BIGINT,
  "settled_block" BIGINT,
  "settled_tx_hash" TEXT,
  "updated_block" BIGINT NOT NULL,
  "finalized" BOOLEAN NOT NULL DEFAULT false,
  CONSTRAINT "lease_outage_pkey" PRIMARY KEY ("chain_id", "outage_id"),
  CONSTRAINT "lease_outage_lease_fkey" FOREIGN KEY ("chain_id", "lease_id") REFERENCES "lease"("chain_id", "lease_id") ON DELETE CASCADE
);
CREATE INDEX "lease_outage_lease_idx" ON "lease_outage" ("chain_id", "lease_id", "seq");
CREATE INDEX "lease_outage_provider_idx" ON "lease_outage" ("chain_id", "provider", "reported_block");
CREATE INDEX "lease_outage_open_idx" ON "lease_outage" ("chain_id", "refutable_until") WHERE "status" = 'Reported';

-- approveReporter: whether `renter` lets `reporter` (e.g. the Gridlease watcher) report its outages.
CREATE TABLE "reporter_approval" (
  "chain_id" INTEGER NOT NULL,
  -- "<renter>:<reporter>", lower-case addresses
  "approval_id" TEXT NOT NULL,
  "renter" TEXT NOT NULL,
  "reporter" TEXT NOT NULL,
  "approved" BOOLEAN NOT NULL,
  "updated_block" BIGINT NOT NULL,
  "finalized" BOOLEAN NOT NULL DEFAULT false,
  CONSTRAINT "reporter_approval_pkey" PRIMARY KEY ("chain_id", "approval_id")
);
CREATE INDEX "reporter_approval_reporter_idx" ON "reporter_approval" ("chain_id", "reporter", "renter") WHERE "approved";

-- How many reports a lease has had (the n of its latest outage_id).
ALTER TABLE "lease" ADD COLUMN "outages_reported" INTEGER NOT NULL DEFAULT 0;
-- SLA history per provider: reports against it, refuted by its agent, settled (lease closed ProviderOffline).
ALTER TABLE "provider" ADD COLUMN "outages_reported" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "provider" ADD COLUMN "outages_refuted" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "provider" ADD COLUMN "outages_settled" INTEGER NOT NULL DEFAULT 0;
