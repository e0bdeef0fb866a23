-- The search snapshot's incremental update (packages/db/src/offer-delta.ts) reads the offers and
-- providers whose updated_block is past its block; without these it scanned the whole offer table
-- (≈ 0.25 s at 1M offers) on every indexer batch, in every web process.
CREATE INDEX "offer_chain_id_updated_block_idx" ON "offer"("chain_id", "updated_block");
CREATE INDEX "provider_chain_id_updated_block_idx" ON "provider"("chain_id", "updated_block");
