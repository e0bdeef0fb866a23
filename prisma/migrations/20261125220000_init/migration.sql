-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "indexer_cursor" (
    "chain_id" INTEGER NOT NULL,
    "registry_address" TEXT NOT NULL,
    "escrow_address" TEXT NOT NULL,
    "deploy_block" BIGINT NOT NULL,
    "deploy_block_hash" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,
    "finalized_block" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "indexer_cursor_pkey" PRIMARY KEY ("chain_id")
);

-- CreateTable
CREATE TABLE "indexed_block" (
    "chain_id" INTEGER NOT NULL,
    "number" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "parent_hash" TEXT NOT NULL,

    CONSTRAINT "indexed_block_pkey" PRIMARY KEY ("chain_id","number")
);

-- CreateTable
CREATE TABLE "indexer_undo" (
    "id" BIGSERIAL NOT NULL,
    "chain_id" INTEGER NOT NULL,
    "batch_from" BIGINT NOT NULL,
    "batch_to" BIGINT NOT NULL,
    "table_name" TEXT NOT NULL,
    "row_key" JSONB NOT NULL,
    "prior_image" JSONB,

    CONSTRAINT "indexer_undo_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "raw_event" (
    "chain_id" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "block_number" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "raw_event_pkey" PRIMARY KEY ("chain_id","tx_hash","log_index")
);

-- CreateTable
CREATE TABLE "provider" (
    "chain_id" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "stake" DECIMAL(78,0) NOT NULL,
    "pending_unstake" DECIMAL(78,0) NOT NULL,
    "unstake_available_at" BIGINT,
    "total_slashed" DECIMAL(78,0) NOT NULL,
    "encryption_key" TEXT NOT NULL,
    "metadata_uri" TEXT NOT NULL,
    "registered_block" BIGINT NOT NULL,
    "offers_listed" INTEGER NOT NULL,
    "leases_total" INTEGER NOT NULL,
    "leases_completed" INTEGER NOT NULL,
    "leases_cancelled" INTEGER NOT NULL,
    "leases_not_accepted" INTEGER NOT NULL,
    "leases_declined" INTEGER NOT NULL,
    "disputes_opened" INTEGER NOT NULL,
    "disputes_lost" INTEGER NOT NULL,
    "earnings_net" DECIMAL(78,0) NOT NULL,
    "reliability" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_block" BIGINT NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "provider_pkey" PRIMARY KEY ("chain_id","address")
);

-- CreateTable
CREATE TABLE "offer" (
    "chain_id" INTEGER NOT NULL,
    "offer_id" BIGINT NOT NULL,
    "provider" TEXT NOT NULL,
    "gpu_model" TEXT NOT NULL,
    "gpu_count" INTEGER NOT NULL,
    "vram_gb" INTEGER NOT NULL,
    "cpu_cores" INTEGER NOT NULL,
    "ram_gb" BIGINT NOT NULL,
    "disk_gb" BIGINT NOT NULL,
    "bandwidth_mbps" BIGINT NOT NULL,
    "region" TEXT NOT NULL,
    "price_per_gpu_hour" DECIMAL(78,0) NOT NULL,
    "price_per_tflop" DOUBLE PRECISION NOT NULL,
    "min_hours" BIGINT NOT NULL,
    "max_hours" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "free_units" INTEGER NOT NULL,
    "listed_block" BIGINT NOT NULL,
    "listed_log_index" INTEGER NOT NULL,
    "updated_block" BIGINT NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "offer_pkey" PRIMARY KEY ("chain_id","offer_id")
);

-- CreateTable
CREATE TABLE "lease" (
    "chain_id" INTEGER NOT NULL,
    "lease_id" BIGINT NOT NULL,
    "offer_id" BIGINT NOT NULL,
    "renter" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "gpus" INTEGER NOT NULL,
    "hours" BIGINT NOT NULL,
    "price_per_gpu_hour" DECIMAL(78,0) NOT NULL,
    "deposit" DECIMAL(78,0) NOT NULL,
    "accept_deadline" BIGINT NOT NULL,
    "accepted_at" BIGINT,
    "ends_at" BIGINT,
    "status" TEXT NOT NULL,
    "close_reason" TEXT,
    "claimed_gross" DECIMAL(78,0) NOT NULL,
    "claimed_fee" DECIMAL(78,0) NOT NULL,
    "provider_total" DECIMAL(78,0),
    "renter_refund" DECIMAL(78,0),
    "fee_total" DECIMAL(78,0),
    "encrypted_request" TEXT NOT NULL,
    "encrypted_access" TEXT,
    "booked_block" BIGINT NOT NULL,
    "booked_tx_hash" TEXT NOT NULL,
    "closed_block" BIGINT,
    "updated_block" BIGINT NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "lease_pkey" PRIMARY KEY ("chain_id","lease_id")
);

-- CreateTable
CREATE TABLE "dispute" (
    "chain_id" INTEGER NOT NULL,
    "lease_id" BIGINT NOT NULL,
    "renter" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "evidence_hash" TEXT NOT NULL,
    "evidence_uri" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "arbiter" TEXT,
    "renter_amount" DECIMAL(78,0),
    "provider_amount" DECIMAL(78,0),
    "slash_amount" DECIMAL(78,0),
    "provider_lost" BOOLEAN,
    "opened_block" BIGINT NOT NULL,
    "closed_block" BIGINT,
    "updated_block" BIGINT NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "dispute_pkey" PRIMARY KEY ("chain_id","lease_id")
);

-- CreateTable
CREATE TABLE "offer_price_history" (
    "chain_id" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "offer_id" BIGINT NOT NULL,
    "gpu_model" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "price_per_gpu_hour" DECIMAL(78,0) NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "offer_price_history_pkey" PRIMARY KEY ("chain_id","tx_hash","log_index")
);

-- CreateTable
CREATE TABLE "provider_heartbeat" (
    "id" BIGSERIAL NOT NULL,
    "chain_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "offer_ids" TEXT[],
    "signature" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_heartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_uptime" (
    "chain_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL,
    "uptime_24h" DOUBLE PRECISION NOT NULL,
    "uptime_7d" DOUBLE PRECISION NOT NULL,
    "uptime_30d" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_uptime_pkey" PRIMARY KEY ("chain_id","provider")
);

-- CreateIndex
CREATE INDEX "indexer_undo_chain_id_batch_from_idx" ON "indexer_undo"("chain_id", "batch_from");

-- CreateIndex
CREATE INDEX "raw_event_chain_id_block_number_log_index_idx" ON "raw_event"("chain_id", "block_number", "log_index");

-- CreateIndex
CREATE INDEX "raw_event_chain_id_name_idx" ON "raw_event"("chain_id", "name");

-- CreateIndex
CREATE INDEX "provider_chain_id_reliability_idx" ON "provider"("chain_id", "reliability");

-- CreateIndex
CREATE INDEX "offer_chain_id_provider_idx" ON "offer"("chain_id", "provider");

-- CreateIndex
CREATE INDEX "offer_chain_id_status_gpu_model_price_per_gpu_hour_offer_id_idx" ON "offer"("chain_id", "status", "gpu_model", "price_per_gpu_hour", "offer_id");

-- CreateIndex
CREATE INDEX "offer_chain_id_status_price_per_gpu_hour_offer_id_idx" ON "offer"("chain_id", "status", "price_per_gpu_hour", "offer_id");

-- CreateIndex
CREATE INDEX "offer_chain_id_status_price_per_tflop_offer_id_idx" ON "offer"("chain_id", "status", "price_per_tflop", "offer_id");

-- CreateIndex
CREATE INDEX "offer_chain_id_status_vram_gb_offer_id_idx" ON "offer"("chain_id", "status", "vram_gb", "offer_id");

-- CreateIndex
CREATE INDEX "offer_chain_id_status_region_idx" ON "offer"("chain_id", "status", "region");

-- CreateIndex
CREATE INDEX "offer_chain_id_listed_block_listed_log_index_idx" ON "offer"("chain_id", "listed_block", "listed_log_index");

-- CreateIndex
CREATE INDEX "lease_chain_id_renter_lease_id_idx" ON "lease"("chain_id", "renter", "lease_id");

-- CreateIndex
CREATE INDEX "lease_chain_id_provider_lease_id_idx" ON "lease"("chain_id", "provider", "lease_id");

-- CreateIndex
CREATE INDEX "lease_chain_id_offer_id_idx" ON "lease"("chain_id", "offer_id");

-- CreateIndex
CREATE INDEX "dispute_chain_id_provider_idx" ON "dispute"("chain_id", "provider");

-- CreateIndex
CREATE INDEX "dispute_chain_id_status_idx" ON "dispute"("chain_id", "status");

-- CreateIndex
CREATE INDEX "offer_price_history_chain_id_offer_id_block_number_idx" ON "offer_price_history"("chain_id", "offer_id", "block_number");

-- CreateIndex
CREATE INDEX "offer_price_history_chain_id_gpu_model_block_number_idx" ON "offer_price_history"("chain_id", "gpu_model", "block_number");

-- CreateIndex
CREATE UNIQUE INDEX "provider_heartbeat_chain_id_provider_signed_at_key" ON "provider_heartbeat"("chain_id", "provider", "signed_at");

-- AddForeignKey
ALTER TABLE "offer" ADD CONSTRAINT "offer_chain_id_provider_fkey" FOREIGN KEY ("chain_id", "provider") REFERENCES "provider"("chain_id", "address") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dispute" ADD CONSTRAINT "dispute_chain_id_lease_id_fkey" FOREIGN KEY ("chain_id", "lease_id") REFERENCES "lease"("chain_id", "lease_id") ON DELETE CASCADE ON UPDATE CASCADE;

