import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file starts its own chain and PostgreSQL (the end-to-end file also agents and an indexer): one at a time on a 2-core box.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 240_000,
  },
});
