import { defineConfig, devices } from "@playwright/test";

// The e2e stack's ports can be moved (E2E_*_PORT) so that a second checkout can run the suite at the same time.
const ports = {
  WEB_PORT: process.env.E2E_WEB_PORT ?? "3100",
  RPC_PORT: process.env.E2E_RPC_PORT ?? "8645",
  PG_PORT: process.env.E2E_PG_PORT ?? "54330",
  INDEXER_PORT: process.env.E2E_INDEXER_PORT ?? "42169",
};
const BASE_URL = `http://127.0.0.1:${ports.WEB_PORT}`;
process.env.E2E_RPC_URL ??= `http://127.0.0.1:${ports.RPC_PORT}`;

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results/artifacts",
  // One worker: the flows share one chain and this machine has 2 cores.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [["list"], ["html", { outputFolder: "playwright-report", open: "never" }]],
  use: {
    baseURL: BASE_URL,
    viewport: { width: 1440, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 } } }],
  webServer: {
    command: "node --import tsx ../../scripts/stack.ts",
    env: { GRIDLEASE_PROFILE: "e2e", ...ports },
    url: BASE_URL,
    timeout: 300_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
    // Let the stack stop its services (they run in their own process groups) instead of a SIGKILL.
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
