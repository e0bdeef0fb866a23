import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { localAccount, localProviderEncryptionKeys, LOCAL_CHAIN_ID } from "@gridlease/sdk/local-accounts";
import type { PrivateKeyAccount } from "viem/accounts";
import { agentConfigSchema, ConfigError, resolveConfig, type AgentConfig } from "../config";
import { unlockKeyFile, type ProviderKeys } from "../keyfile";
import { obtainPassphrase } from "../passphrase";

/**
 * `gridlease-agent fleet --config fleet.json`: one process serving many provider identities. The
 * fields shared by every provider (RPC, web app, contracts, scripts, intervals) are the agent
 * config's; `providers` names each identity by a key file (with the file holding its passphrase),
 * or, on the local development chain only, by an index of the public Hardhat mnemonic. Secrets never
 * come from argv or the environment.
 */
const providerSchema = z
  .object({
    keyFile: z.string().optional(),
    passphraseFile: z.string().optional(),
    mnemonicIndex: z.number().int().nonnegative().optional(),
    /** Listed but never served: no heartbeats, bookings wait and the renter reclaims (the UI's offline path). */
    offline: z.boolean().default(false),
    /** Handles bookings at this poll interval instead of the fleet's (a slow provider). */
    pollSeconds: z.number().positive().optional(),
  })
  .refine((p) => (p.keyFile === undefined) !== (p.mnemonicIndex === undefined), { message: "give either keyFile (with passphraseFile) or mnemonicIndex" })
  .refine((p) => p.keyFile === undefined || p.passphraseFile !== undefined, { message: "a keyFile needs a passphraseFile" });

// The refined schema cannot be picked from; its shape can.
const shared = z
  .object(agentConfigSchema.shape)
  .pick({ rpcUrl: true, chainId: true, apiUrl: true, contracts: true, provision: true, deprovision: true, intervals: true, proofOfGpu: true });

export const fleetConfigSchema = shared.extend({
  /** Each provider's journal lives in `<stateDir>/<address>/`. */
  stateDir: z.string().default("fleet-state"),
  /**
   * Provisioning and deprovisioning scripts running at once across all providers; the rest wait their
   * turn in order. Unbounded, a backlog of bookings started every script at once and the fleet
   * thrashed (docs/benchmarks.md, bench:market at 50 tx/s).
   */
  maxScriptsInFlight: z.number().int().min(1).max(1000).default(16),
  providers: z.array(providerSchema).min(1).max(5000),
});

export type FleetProviderConfig = z.infer<typeof providerSchema>;

export interface FleetMember {
  /** The agent config this provider runs with: the fleet's shared fields; its stateDir is `<stateRoot>/<address>`. */
  config: AgentConfig;
  source: FleetProviderConfig;
  /** Unlocks the provider's keys (key file) or derives them (local mnemonic index). */
  keys(): Promise<ProviderKeys>;
}

export interface FleetConfig {
  rpcUrl: string;
  chainId?: number;
  pollSeconds: number;
  /** Each provider's journal lives in `<stateRoot>/<lower-case address>/`. */
  stateRoot: string;
  members: FleetMember[];
  /** For `contextFor`: any member's config (they share every chain field). */
  base: AgentConfig;
  /** fleetConfigSchema.maxScriptsInFlight. */
  maxScriptsInFlight: number;
}

export async function loadFleetConfig(configPath: string): Promise<FleetConfig> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, "utf8"));
  } catch (error) {
    throw new ConfigError(`Cannot read fleet config ${configPath}: ${(error as Error).message}`);
  }
  return resolveFleetConfig(json, path.dirname(path.resolve(configPath)));
}

export function resolveFleetConfig(json: unknown, baseDir: string): FleetConfig {
  const parsed = fleetConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
    throw new ConfigError(`Fleet config is invalid:\n${problems}`);
  }
  const fleet = parsed.data;
  const usesMnemonic = fleet.providers.some((p) => p.mnemonicIndex !== undefined);
  // The mnemonic is public: keys derived from it are everyone's. Refuse them unless the chain is the local one.
  if (usesMnemonic && fleet.chainId !== LOCAL_CHAIN_ID) {
    throw new ConfigError(
      `Fleet config: mnemonicIndex providers use the public Hardhat mnemonic and are only allowed with "chainId": ${LOCAL_CHAIN_ID} (the local chain).`,
    );
  }
  const resolve = (p: string) => path.resolve(baseDir, p);
  const { providers, stateDir, maxScriptsInFlight, ...sharedFields } = fleet;
  // The `offer` section only matters to `list`; a fleet serves offers that are already on chain.
  const config = resolveConfig({ ...sharedFields, stateDir, offer: { region: "fleet", pricePerGpuHour: "0" } }, baseDir);
  const members = providers.map((source): FleetMember => {
    if (source.mnemonicIndex !== undefined) {
      const index = source.mnemonicIndex;
      const account = localAccount(index);
      return {
        source,
        config,
        // An HD account signs like a private-key account; the fleet only signs transactions and typed data.
        keys: async () => ({ account: account as unknown as PrivateKeyAccount, encryption: localProviderEncryptionKeys(index) }),
      };
    }
    const keyFile = resolve(source.keyFile!);
    const passphraseFile = resolve(source.passphraseFile!);
    return {
      source,
      config,
      keys: async () => unlockKeyFile(keyFile, await obtainPassphrase({ passphraseFile })),
    };
  });
  return {
    rpcUrl: fleet.rpcUrl,
    chainId: fleet.chainId,
    pollSeconds: fleet.intervals.pollSeconds,
    stateRoot: resolve(stateDir),
    members,
    base: config,
    maxScriptsInFlight,
  };
}
