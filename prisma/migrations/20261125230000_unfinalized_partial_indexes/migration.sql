-- Partial indexes Prisma's schema language cannot express: the indexer's finality sweep only
-- touches rows that are not final yet, so it must find them without scanning whole tables.
CREATE INDEX "raw_event_unfinalized_idx" ON "raw_event"("chain_id", "block_number") WHERE NOT "finalized";
CREATE INDEX "provider_unfinalized_idx" ON "provider"("chain_id", "updated_block") WHERE NOT "finalized";
CREATE INDEX "offer_unfinalized_idx" ON "offer"("chain_id", "updated_block") WHERE NOT "finalized";
CREATE INDEX "lease_unfinalized_idx" ON "lease"("chain_id", "updated_block") WHERE NOT "finalized";
CREATE INDEX "dispute_unfinalized_idx" ON "dispute"("chain_id", "updated_block") WHERE NOT "finalized";
CREATE INDEX "offer_price_history_unfinalized_idx" ON "offer_price_history"("chain_id", "block_number") WHERE NOT "finalized";
