import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The chain suites start their own Hardhat node; on a 2-core machine they run one file at a time.
    fileParallelism: false,
    // Generous: the machine is shared, and each agent/CLI start transpiles TypeScript.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
