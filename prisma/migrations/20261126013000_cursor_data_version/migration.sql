-- Search answers are cached per data version; the block number moves on empty blocks too.
-- AlterTable
ALTER TABLE "indexer_cursor" ADD COLUMN     "data_version" BIGINT NOT NULL DEFAULT 0;
