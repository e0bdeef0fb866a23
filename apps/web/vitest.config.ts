import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    environment: "node",
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "http/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["e2e/**", "node_modules/**", ".next/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One suite at a time: the API suites each start a chain and a database on a 2-core machine.
    fileParallelism: false,
  },
});
