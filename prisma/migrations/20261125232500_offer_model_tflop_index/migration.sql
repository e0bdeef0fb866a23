-- Ordered scans for "these GPU models, cheapest per TFLOP first" (search merges one scan per model).
CREATE INDEX "offer_chain_id_status_gpu_model_price_per_tflop_offer_id_idx" ON "offer"("chain_id", "status", "gpu_model", "price_per_tflop", "offer_id");
