import { defineConfig, devices } from "@playwright/test";

const BASE_URL = "http://127.0.0.1:3100";

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
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 } } }],
  webServer: {
    command: "pnpm exec tsx ../../scripts/stack.ts",
    env: { GRIDLEASE_PROFILE: "e2e" },
    url: BASE_URL,
    timeout: 300_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
    // Let the stack stop its services (they run in their own process groups) instead of a SIGKILL.
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
