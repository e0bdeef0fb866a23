-- Issue 10, M3: declines the web API verified to be the renter's fault (the revealed shared secret
-- opens the on-chain request, and the shared validator finds it invalid). Written by the web API only,
-- never by the indexer, so reorg replays and indexer upserts of `provider`/`lease` cannot erase it.
-- reliability.ts subtracts these from `leases_declined`.
CREATE TABLE "lease_decline_evidence" (
    "chain_id" INTEGER NOT NULL,
    "lease_id" BIGINT NOT NULL,
    "provider" TEXT NOT NULL,
    "verdict" TEXT NOT NULL CHECK ("verdict" = 'declined_invalid_request'),
    "problem" TEXT NOT NULL,
    "shared_secret" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lease_decline_evidence_pkey" PRIMARY KEY ("chain_id", "lease_id")
);

CREATE INDEX "lease_decline_evidence_chain_id_provider_idx" ON "lease_decline_evidence"("chain_id", "provider");
