import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Each file starts its own PostgreSQL (and some a Hardhat node): one at a time on the 2-core box.
    fileParallelism: false,
  },
});
