-- Contracts v2 (issue 13): a dispute carries the renter's bond and may carry the provider's answer.
-- The bond (a share of the deposit fixed at booking) goes back to the renter when the arbiter agrees
-- or nobody ruled, to the provider otherwise; `bond_to` records who got it once the dispute closed.
ALTER TABLE "dispute" ADD COLUMN "bond" DECIMAL(78, 0) NOT NULL DEFAULT 0;
ALTER TABLE "dispute" ADD COLUMN "bond_to" TEXT;
ALTER TABLE "dispute" ADD COLUMN "answer_hash" TEXT;
ALTER TABLE "dispute" ADD COLUMN "answer_uri" TEXT;
