-- Nothing queries raw events by name alone, and every index costs the indexer's bulk writes.
DROP INDEX IF EXISTS "raw_event_chain_id_name_idx";
