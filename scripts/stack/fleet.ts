// The provider fleet of `npm start`: one `gridlease-agent fleet` process serving the seeded providers
// (Hardhat mnemonic #100…, the same indices scripts/seed.ts registers) with the sandbox provisioner,
// so a booking on any seeded offer is accepted within seconds and its access details open a shell.
//
// The fleet config is written once to <data dir>/fleet.json and then left alone: edit it to change
// which providers are offline or slow. By default the last three seeded providers are offline (their
// offers show the offline paths of the UI) and the three before them are slow (they accept after ~20 s).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProcess, waitFor, type ManagedProcess } from "./processes";

export const SEEDED_PROVIDER_BASE = 100;
const OFFLINE = 3;
const SLOW = 3;
const SLOW_POLL_SECONDS = 20;

export interface FleetOptions {
  root: string;
  dataDir: string;
  logDir: string;
  rpcUrl: string;
  chainId: number;
  webUrl: string;
  /** How many providers the seed registered (SEED_PROVIDERS, default 36). */
  providers: number;
  /** A new chain: journals and sandboxes of the previous one name leases that no longer exist. */
  freshChain: boolean;
}

export function fleetConfigPath(dataDir: string): string {
  return join(dataDir, "fleet.json");
}

/**
 * Proof of GPU (issue 21): the fleet answers the watcher's `local`-profile challenges (small matrices on
 * the CPU reference, deadlines scaled down) on a free loopback port, each provider under
 * /providers/<address>, and registers those URLs with the web app.
 */
const PROOF_OF_GPU = { host: "127.0.0.1", port: 0, profile: "local", engine: "cpu" };

/** Writes the default fleet config unless one exists (one from before proof of GPU gets its section); returns its path. */
export function ensureFleetConfig(options: FleetOptions): string {
  const path = fleetConfigPath(options.dataDir);
  if (existsSync(path)) {
    const existing = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    if (!("proofOfGpu" in existing)) writeFileSync(path, `${JSON.stringify({ ...existing, proofOfGpu: PROOF_OF_GPU }, null, 2)}\n`);
    return path;
  }
  const sandbox = { GRIDLEASE_SANDBOX_ROOT: join(options.dataDir, "sandboxes") };
  const providers = Array.from({ length: options.providers }, (_, i) => {
    const mnemonicIndex = SEEDED_PROVIDER_BASE + i;
    if (i >= options.providers - OFFLINE) return { mnemonicIndex, offline: true };
    if (i >= options.providers - OFFLINE - SLOW) return { mnemonicIndex, pollSeconds: SLOW_POLL_SECONDS };
    return { mnemonicIndex };
  });
  const config = {
    rpcUrl: options.rpcUrl,
    chainId: options.chainId,
    apiUrl: options.webUrl,
    stateDir: "fleet-state",
    // The agent's built-in sandbox provisioner (apps/agent/src/sandbox.ts).
    provision: { command: "builtin:sandbox", timeoutSeconds: 30, env: sandbox },
    deprovision: { command: "builtin:sandbox", timeoutSeconds: 30, env: sandbox },
    intervals: { pollSeconds: 1, heartbeatSeconds: 30, claimSeconds: 3600 },
    proofOfGpu: PROOF_OF_GPU,
    providers,
  };
  mkdirSync(options.dataDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** Starts the fleet and resolves once it serves; its log is <log dir>/fleet.log. */
export async function startFleet(options: FleetOptions): Promise<{ process: ManagedProcess; summary: string }> {
  if (options.freshChain) {
    rmSync(join(options.dataDir, "fleet-state"), { recursive: true, force: true });
    rmSync(join(options.dataDir, "sandboxes"), { recursive: true, force: true });
  }
  const configPath = ensureFleetConfig(options);
  const fleet = startProcess({
    name: "fleet",
    command: process.execPath,
    args: [join(options.root, "apps/agent/bin/gridlease-agent.mjs"), "--config", configPath, "fleet"],
    cwd: options.root,
    env: {},
    logDir: options.logDir,
    echo: (line) => / ERROR /.test(line),
  });
  // Watched line by line: with seeded leases the fleet logs dozens of lines right after this one.
  const started = fleet.watchFor(/fleet: (serving \d+ provider\(s\), \d+ offline)/);
  await waitFor("Provider fleet start", async () => started() !== undefined, { timeoutMs: 120_000, process: fleet });
  const summary = started()![1]!;
  return { process: fleet, summary };
}
