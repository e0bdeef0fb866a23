import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Each file starts its own Hardhat node and PostgreSQL; running them one at a time keeps the 2-core box responsive.
    fileParallelism: false,
  },
});
