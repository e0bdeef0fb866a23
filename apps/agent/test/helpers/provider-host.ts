import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { runCli } from "./agent-process";
import { Market, PROVIDER_KEY } from "./market";

export const FIXTURES = path.join(import.meta.dirname, "..", "fixtures");

export interface ProviderHost {
  market: Market;
  dir: string;
  configPath: string;
  env: NodeJS.ProcessEnv;
  providerEncryptionKey: Hex;
  offerId: bigint;
  /** Lines of a file the test scripts write under test-state/. */
  linesOf(file: string): Promise<string[]>;
  /** Rewrites the agent config with some fields replaced (e.g. rpcUrl). */
  writeConfig(overrides: Record<string, unknown>): Promise<void>;
}

/**
 * Deploys the contracts, then sets up a provider on an 8× H100 host (recorded nvidia-smi) through
 * the CLI exactly as a provider would: init (importing a Hardhat account's key), register, list.
 */
export async function prepareProviderHost(rpcUrl: string, options: { apiUrl?: string; claimSeconds?: number } = {}): Promise<ProviderHost> {
  const market = await Market.deploy(rpcUrl);
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-agent-e2e-"));
  await mkdir(path.join(dir, "test-state", "envs"), { recursive: true });
  const config = {
    rpcUrl,
    chainId: 31337,
    // Nothing listens there unless the test starts a server: the agent must keep serving anyway.
    apiUrl: options.apiUrl ?? "http://127.0.0.1:9",
    keyFile: "provider-key.json",
    stateDir: "agent-state",
    contracts: market.agentContracts(),
    provider: { stake: "250", metadataURI: "https://gpu-7.example.net/provider.json" },
    offer: { region: "eu-west", pricePerGpuHour: "2.00", minHours: 1, maxHours: 48, bandwidthMbps: 10000 },
    // Scripts inherit only an allow-list of the agent's environment; the test state directory is named here, as a provider would.
    provision: { command: path.join(FIXTURES, "scripts/provision.sh"), timeoutSeconds: 2, env: { GRIDLEASE_TEST_STATE: path.join(dir, "test-state") } },
    deprovision: { command: path.join(FIXTURES, "scripts/deprovision.sh"), timeoutSeconds: 10, env: { GRIDLEASE_TEST_STATE: path.join(dir, "test-state") } },
    intervals: { pollSeconds: 0.2, heartbeatSeconds: 1, claimSeconds: options.claimSeconds ?? 1800 },
    nvidiaSmi: path.join(FIXTURES, "bin/nvidia-smi"),
  };
  const configPath = path.join(dir, "agent.json");
  const writeConfig = (overrides: Record<string, unknown>) => writeFile(configPath, JSON.stringify({ ...config, ...overrides }, null, 2));
  await writeConfig({});
  await writeFile(path.join(dir, "provider.key"), PROVIDER_KEY);
  const env = {
    ...process.env,
    GRIDLEASE_PASSPHRASE: "test passphrase 1",
    GRIDLEASE_SMI_FIXTURE: path.join(FIXTURES, "nvidia-smi/h100-sxm-8x"),
    GRIDLEASE_TEST_STATE: path.join(dir, "test-state"),
    // Something of the agent's own environment that no script may see.
    AGENT_ONLY_CANARY: "agent-only",
  };

  // Plain checks rather than `expect`, so benchmarks can reuse this outside vitest.
  const step = async (args: string[], expected: RegExp) => {
    const result = await runCli(["-c", configPath, ...args], env);
    const match = expected.exec(result.stdout);
    if (result.code !== 0 || result.stderr || !match)
      throw new Error(`gridlease-agent ${args[0]} did not print ${expected}:\n${result.stdout}${result.stderr}`);
    return match;
  };
  const init = await step(
    ["init", "--import-private-key-file", path.join(dir, "provider.key"), "--scrypt-n", "1024"],
    new RegExp(`Provider address: +${market.provider.address}[\\s\\S]*Encryption public key: (0x[0-9a-f]{64})`),
  );
  const early = await runCli(["-c", configPath, "list"], env);
  if (early.code !== 1 || !early.stderr.includes("is not a registered provider; run `gridlease-agent register`")) {
    throw new Error(`list before register should explain itself, got: ${early.stdout}${early.stderr}`);
  }
  await step(["register"], new RegExp(`Registered ${market.provider.address} with stake 250 USDC`));
  await step(["list"], /Listed offer 1: 8× H100-SXM in eu-west at 2 USDC\/GPU\/h\./);
  const providerEncryptionKey = init[1] as Hex;

  const linesOf = async (file: string) => (await readFile(path.join(dir, "test-state", file), "utf8").catch(() => "")).split("\n").filter(Boolean);
  return { market, dir, configPath, env, providerEncryptionKey, offerId: 1n, linesOf, writeConfig };
}
