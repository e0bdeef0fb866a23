import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isAddress, type Address } from "viem";
import { GPU_MODEL_IDS } from "@gridlease/sdk/gpus";

/** A token amount written the way people read it ("2.35" USDC); converted with the token's decimals. */
const decimalAmount = z.string().regex(/^\d+(\.\d+)?$/, 'write amounts as decimal strings, e.g. "2.35"');
const address = z.string().refine(isAddress, "not an 0x-prefixed 20-byte address").transform((a) => a as Address);
const shortString = z.string().min(1).max(32).regex(/^[\x20-\x7e]+$/, "ASCII only (it is stored on-chain as bytes32)");

const scriptSchema = z.object({
  /** Path of an executable; it gets the lease as JSON on stdin. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Extra environment for the script (e.g. PUBLIC_HOST for the access details it prints). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name"), z.string()).default({}),
  timeoutSeconds: z.number().positive().max(24 * 3600).default(300),
});

export const agentConfigSchema = z
  .object({
    rpcUrl: z.url().default("http://127.0.0.1:8545"),
    chainId: z.number().int().positive().optional(),
    /** Web app base URL; heartbeats go to `${apiUrl}/api/heartbeats`. */
    apiUrl: z.url().default("http://127.0.0.1:3000"),
    keyFile: z.string().default("provider-key.json"),
    /** Holds the journal; keep it across restarts. */
    stateDir: z.string().default("state"),
    /** Defaults to the SDK's deployment for the chain id. */
    contracts: z
      .object({ registry: address, escrow: address, token: address, deployBlock: z.number().int().nonnegative().default(0) })
      .optional(),
    provider: z.object({ stake: decimalAmount, metadataURI: z.string().max(2048).default("") }).default({ stake: "100", metadataURI: "" }),
    offer: z.object({
      region: shortString,
      /** One price for every GPU model on the host, or one per model id ({"RTX4090": "0.40", "A6000": "0.55"}). */
      pricePerGpuHour: z.union([decimalAmount, z.partialRecord(z.enum(GPU_MODEL_IDS), decimalAmount)]),
      minHours: z.number().int().positive().default(1),
      maxHours: z.number().int().positive().max(24 * 365).default(168),
      bandwidthMbps: z.number().int().positive().max(4_294_967_295).default(1000),
      /** Filesystem whose size is listed as disk. */
      diskPath: z.string().default("/"),
    }),
    provision: scriptSchema,
    deprovision: scriptSchema,
    intervals: z
      .object({
        pollSeconds: z.number().positive().default(5),
        heartbeatSeconds: z.number().positive().default(60),
        claimSeconds: z.number().positive().default(3600),
      })
      .prefault({}),
    nvidiaSmi: z.string().default("nvidia-smi"),
  })
  .refine((c) => c.offer.minHours <= c.offer.maxHours, { message: "offer.minHours must not exceed offer.maxHours", path: ["offer"] });

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export class ConfigError extends Error {}

/** Reads and validates a JSON config; relative paths in it are relative to the config file. */
export async function loadConfig(configPath: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigError(`No config file at ${configPath}: copy examples/gridlease-agent.example.json there and edit it, or pass -c <file>.`);
    }
    throw new ConfigError(`Cannot read config file ${configPath}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${configPath} is not valid JSON: ${(error as Error).message}`);
  }
  return resolveConfig(json, path.dirname(path.resolve(configPath)));
}

export function resolveConfig(json: unknown, baseDir: string): AgentConfig {
  const parsed = agentConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
    throw new ConfigError(`Config is invalid:\n${problems}`);
  }
  const config = parsed.data;
  const resolve = (p: string) => path.resolve(baseDir, p);
  const resolveCommand = (c: string) => (c.includes("/") ? resolve(c) : c);
  return {
    ...config,
    keyFile: resolve(config.keyFile),
    stateDir: resolve(config.stateDir),
    provision: { ...config.provision, command: resolveCommand(config.provision.command) },
    deprovision: { ...config.deprovision, command: resolveCommand(config.deprovision.command) },
  };
}
