-- Proof of GPU (issue 21): the search data version (packages/db/src/search.ts searchDataVersion) must
-- move with every recorded check so the search caches show new badges. checked_at cannot say so (a
-- check may be recorded with an earlier time than one already stored), and count(*) would walk every
-- check ever recorded on each version poll; the largest insertion number is one index read.
ALTER TABLE "gpu_check" ADD COLUMN "seq" BIGSERIAL;
CREATE UNIQUE INDEX "gpu_check_seq_idx" ON "gpu_check" ("seq");
