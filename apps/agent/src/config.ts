import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isAddress, type Address } from "viem";
import { GPU_MODEL_IDS } from "@gridlease/sdk/gpus";
import { AgentError } from "./errors";

/** A token amount written the way people read it ("2.35" USDC); converted with the token's decimals. */
const decimalAmount = z.string().regex(/^\d+(\.\d+)?$/, 'write amounts as decimal strings, e.g. "2.35"');
const address = z
  .string()
  .refine(isAddress, "not an 0x-prefixed 20-byte address")
  .transform((a) => a as Address);
const shortString = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[\x20-\x7e]+$/, "ASCII only (it is stored on-chain as bytes32)");

const scriptSchema = z.object({
  /** Path of an executable; it gets the lease as JSON on stdin. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Extra environment for the script (e.g. PUBLIC_HOST for the access details it prints). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name"), z.string()).default({}),
  timeoutSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .default(300),
});

/**
 * The container provisioner (issue 16): renters' launch specs run in Podman or Docker containers
 * instead of the provision/deprovision scripts, which may then be left out.
 */
const workloadsSchema = z.object({
  runtime: z.enum(["podman", "docker"]),
  /** The runtime's binary, when not on PATH under its own name. */
  command: z.string().min(1).optional(),
  /** Flags before every subcommand (e.g. podman's --root/--runroot for a separate store). */
  globalArgs: z.array(z.string()).default([]),
  /** Environment for the runtime (e.g. CONTAINERS_CONF); the agent's own environment is not passed on. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name"), z.string()).default({}),
  /** Host name or address renters reach the published ports and the status API on. */
  publicHost: z.string().min(1).default("127.0.0.1"),
  /** Host address the published ports bind to. */
  bindAddress: z.string().min(1).default("0.0.0.0"),
  /** The status/logs/endpoints API (GET /leases/<id>/workload with the lease's bearer token). */
  statusApi: z
    .object({ host: z.string().default("0.0.0.0"), port: z.number().int().min(0).max(65535).default(7380), publicUrl: z.url().optional() })
    .prefault({}),
  /** The image each catalogue template runs on this host (pin it: name@sha256:… or a local build). */
  templateImages: z.partialRecord(z.enum(["linux-ssh", "pytorch-jupyter", "openai-inference"]), z.string().min(1)).default({}),
  /** How the lease's GPUs reach the container: CDI devices (Podman, nvidia-ctk cdi generate), Docker's --gpus, or none (no GPU host). */
  gpuAccess: z.enum(["cdi", "gpus", "none"]).optional(),
  /** Per-lease disk: an ext4 file of the booked size loop-mounted at /data (needs root), or none (no limit, a plain folder). */
  disk: z.enum(["loop", "none"]).default("loop"),
  /** Seconds a container and its data stay after a lease ends by time, for the renter to copy results out. */
  exportGraceSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(600),
  pullTimeoutSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .default(1800),
  logLines: z.number().int().min(1).max(1000).default(200),
  /** iptables rules per lease bridge: no path to the host's services or to blockedNets (cloud metadata). */
  fence: z
    .object({
      enabled: z.boolean().default(true),
      iptables: z.string().default("iptables"),
      blockedNets: z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, "a CIDR range, e.g. 10.0.0.0/8")).default(["169.254.0.0/16"]),
    })
    .prefault({}),
});

/**
 * Proof of GPU (issue 21, docs/proof-of-gpu.md): the server that answers GPU challenges, and the URL the
 * agent registers for it with the web app (signed by the provider key) so checkers can find it.
 */
const proofOfGpuSchema = z.object({
  /** The URL checkers reach the server at; default http://<host>:<port> (127.0.0.1 for a wildcard host). A fleet adds /providers/<address>. */
  url: z.url().optional(),
  host: z.string().min(1).default("0.0.0.0"),
  /** 0 picks a free port (then the default URL uses it). */
  port: z.number().int().min(0).max(65535).default(7381),
  /** The challenge sizes answered: `gpu` (real sizes) or `local` (the scaled-down CPU demo of the local chain). */
  profile: z.enum(["gpu", "local"]).default("gpu"),
  /** `auto`: the GPU script (apps/agent/gpu/pog.py) when python3 has torch with CUDA at start, else the CPU reference. */
  engine: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  /** Register the URL with the web app (POST /api/providers/<address>/endpoint) at start and hourly. */
  register: z.boolean().default(true),
  /** An offer answers at most one challenge per this many seconds (each occupies its GPUs; anyone may send them). */
  minIntervalSeconds: z.number().min(0).max(86_400).default(30),
});

/** With `workloads`, the scripts are not run; a config may leave them out. */
const BUILTIN_CONTAINERS = { command: "builtin:containers" };

function withBuiltinScripts(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || !("workloads" in raw)) return raw;
  const c = raw as Record<string, unknown>;
  return { ...c, provision: c.provision ?? BUILTIN_CONTAINERS, deprovision: c.deprovision ?? BUILTIN_CONTAINERS };
}

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
    contracts: z.object({ registry: address, escrow: address, token: address, deployBlock: z.number().int().nonnegative().default(0) }).optional(),
    provider: z.object({ stake: decimalAmount, metadataURI: z.string().max(2048).default("") }).default({ stake: "100", metadataURI: "" }),
    offer: z.object({
      region: shortString,
      /** One price for every GPU model on the host, or one per model id ({"RTX4090": "0.40", "A6000": "0.55"}). */
      pricePerGpuHour: z.union([decimalAmount, z.partialRecord(z.enum(GPU_MODEL_IDS), decimalAmount)]),
      minHours: z.number().int().positive().default(1),
      maxHours: z
        .number()
        .int()
        .positive()
        .max(24 * 365)
        .default(168),
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
    workloads: workloadsSchema.optional(),
    proofOfGpu: proofOfGpuSchema.optional(),
  })
  .refine((c) => c.offer.minHours <= c.offer.maxHours, { message: "offer.minHours must not exceed offer.maxHours", path: ["offer"] });

export type WorkloadsConfig = z.infer<typeof workloadsSchema>;

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export class ConfigError extends AgentError {
  readonly code = "config";
}

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
  const parsed = agentConfigSchema.safeParse(withBuiltinScripts(json));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
    throw new ConfigError(`Config is invalid:\n${problems}`);
  }
  const config = parsed.data;
  const resolve = (p: string) => path.resolve(baseDir, p);
  const resolveCommand = (c: string) => (c.includes("/") && !c.startsWith("builtin:") ? resolve(c) : c);
  return {
    ...config,
    keyFile: resolve(config.keyFile),
    stateDir: resolve(config.stateDir),
    provision: { ...config.provision, command: resolveCommand(config.provision.command) },
    deprovision: { ...config.deprovision, command: resolveCommand(config.deprovision.command) },
  };
}
