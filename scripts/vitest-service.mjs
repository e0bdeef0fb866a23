import { defineConfig } from "vitest/config";

/**
 * The vitest settings of a service whose test files each start their own PostgreSQL and Hardhat node
 * (the indexer, the notifier): generous timeouts because the machine is shared, and one file at a
 * time so that a 2-core box stays responsive.
 *
 * @param {number} [timeoutMs] the per-test and per-hook timeout
 */
export function serviceTestConfig(timeoutMs = 180_000) {
  return defineConfig({
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: timeoutMs,
      hookTimeout: timeoutMs,
      fileParallelism: false,
    },
  });
}
