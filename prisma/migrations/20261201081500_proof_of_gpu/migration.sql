-- Proof of GPU (issue 21). Off-chain tables: nothing here is derived from chain events, so they are not
-- journaled for reorgs and the indexer never writes them.

-- Where a provider's agent answers GPU challenges. Registered by the agent with an EIP-712
-- `AgentEndpoint` signature of the provider key (packages/sdk/src/proof-of-gpu/protocol.ts), so a
-- checker only ever challenges a URL the provider itself published. Latest registration wins.
CREATE TABLE "agent_endpoint" (
  "chain_id" INTEGER NOT NULL,
  "provider" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  -- the signed time (seconds) and the provider's signature over (provider, url, timestamp)
  "signed_at" BIGINT NOT NULL,
  "signature" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT "agent_endpoint_pkey" PRIMARY KEY ("chain_id", "provider")
);

-- One row per finished challenge: who checked which offer's GPUs, with what seed, and what came of it.
-- The checker signs the result (EIP-712 `GpuCheck`), so a row can be shown as evidence by anyone.
CREATE TABLE "gpu_check" (
  "chain_id" INTEGER NOT NULL,
  -- 0x + 64 hex: the checker's random challenge id (also mixed into the seed)
  "check_id" TEXT NOT NULL,
  "provider" TEXT NOT NULL,
  "offer_id" BIGINT NOT NULL,
  -- the claimed model (GPU table id, e.g. H100-SXM) and count the challenge was sized for
  "gpu_model" TEXT NOT NULL,
  "gpu_count" INTEGER NOT NULL,
  -- lowercase 0x address whose signature is in "signature"
  "checker" TEXT NOT NULL,
  -- the block after the request whose hash seeds the matrices, and the derived seed (0x + 64 hex)
  "seed_block" BIGINT NOT NULL,
  "seed" TEXT NOT NULL,
  -- challenge size: matrix order, products in all, products audited, Freivalds rounds per product
  "matrix_size" INTEGER NOT NULL,
  "products" INTEGER NOT NULL,
  "audited" INTEGER NOT NULL,
  "rounds" INTEGER NOT NULL,
  -- Passed | Failed | TimedOut | Unreachable (GpuCheckOutcome in packages/sdk)
  "outcome" TEXT NOT NULL,
  -- one sentence for anything but Passed (what was wrong, which product, how late)
  "reason" TEXT,
  -- wall-clock milliseconds from sending the challenge to the agent's commitment (null: none came)
  "elapsed_ms" INTEGER,
  "deadline_ms" INTEGER NOT NULL,
  -- the agent's commitment (0x + 64 hex), null when none came
  "commitment" TEXT,
  "signature" TEXT NOT NULL,
  "checked_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT "gpu_check_pkey" PRIMARY KEY ("chain_id", "check_id")
);
CREATE INDEX "gpu_check_offer_idx" ON "gpu_check" ("chain_id", "offer_id", "checked_at" DESC);
CREATE INDEX "gpu_check_provider_idx" ON "gpu_check" ("chain_id", "provider", "checked_at" DESC);
