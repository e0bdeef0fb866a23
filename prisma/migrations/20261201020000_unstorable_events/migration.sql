-- Contract events the indexer could not store (the database refused their rows, or a handler could not
-- apply them). Recorded instead of stopping the indexer, so one hostile event cannot freeze the market;
-- an operator finds them here by block, transaction and log index. Rolled back with reorgs like raw_event.
-- CreateTable
CREATE TABLE "failed_event" (
    "chain_id" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "block_number" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "error" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "failed_event_pkey" PRIMARY KEY ("chain_id","tx_hash","log_index")
);

-- CreateIndex
CREATE INDEX "failed_event_chain_id_block_number_idx" ON "failed_event"("chain_id", "block_number");
