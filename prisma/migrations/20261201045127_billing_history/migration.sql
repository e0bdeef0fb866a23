-- Billing history (packages/db/src/billing.ts) reads a lease's events from raw_event by the lease id
-- in their args; without this index every history would scan all events of the chain.
CREATE INDEX IF NOT EXISTS "raw_event_chain_id_lease_id_idx" ON "raw_event" ("chain_id", ("args"->>'leaseId')) WHERE "args" ? 'leaseId';
