import { z } from "zod";
import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import { LOCAL_CHAIN_ID } from "@gridlease/sdk/local-accounts";
import { LOCAL_WATCHER_ACCOUNT_INDEX } from "@gridlease/sdk/liveness";

/**
 * The watcher's wallet on the local chain: Hardhat-mnemonic account #90. #0–#19 are the node's funded
 * accounts (admin, arbiter, treasury, the web app's dev wallet #3–#19), #100… the seeded providers and
 * #190… the seeded renters; #90 is used by nothing else, so its nonces never race another process's.
 * Its key is public: only chain 31337 accepts it (WATCHER_KEY_FILE everywhere else).
 */
export const WATCHER_DEV_ACCOUNT_INDEX = LOCAL_WATCHER_ACCOUNT_INDEX;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const seconds = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .positive(`${name} must be positive`)
    .default(fallback);

export const envSchema = z
  .object({
    DATABASE_URL: z.string({ error: "DATABASE_URL is not set" }).regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL"),
    RPC_URL: z.url({ error: "RPC_URL must be an http(s) URL of an Ethereum JSON-RPC node" }).default("http://127.0.0.1:8545"),
    CHAIN_ID: z.coerce
      .number({ error: "CHAIN_ID must be a number" })
      .int("CHAIN_ID must be a whole number")
      .positive("CHAIN_ID must be positive")
      .default(LOCAL_CHAIN_ID),
    /** An encrypted key file (`gridlease keys init` makes one); its passphrase from WATCHER_PASSPHRASE_FILE or GRIDLEASE_PASSPHRASE. */
    WATCHER_KEY_FILE: z.string().min(1).optional(),
    WATCHER_PASSPHRASE_FILE: z.string().min(1).optional(),
    /** A Hardhat-mnemonic account index; local chain only (default WATCHER_DEV_ACCOUNT_INDEX there). */
    WATCHER_DEV_ACCOUNT: z.coerce
      .number({ error: "WATCHER_DEV_ACCOUNT must be an account index" })
      .int()
      .min(0, "WATCHER_DEV_ACCOUNT must be 0 or more")
      .optional(),
    /** Seconds between cycles (each cycle reports, then settles). */
    WATCHER_INTERVAL_SECONDS: seconds("WATCHER_INTERVAL_SECONDS", 5),
    /**
     * A provider whose last heartbeat is older than this is reported. The production value is the sdk's
     * ONLINE_WINDOW_SECONDS (the same "online" the offer pages show); tests shorten it with the windows.
     */
    WATCHER_OFFLINE_AFTER_SECONDS: seconds("WATCHER_OFFLINE_AFTER_SECONDS", ONLINE_WINDOW_SECONDS),
    /**
     * Proof of GPU (src/gpu-checks.ts): the challenge sizes (`gpu`: real sizes; `local`: the CPU demo of the
     * local chain, what `npm start` runs), or `off`.
     */
    GPU_CHECK_PROFILE: z.enum(["gpu", "local", "off"], { error: "GPU_CHECK_PROFILE must be gpu, local or off" }).default("gpu"),
    /** An offer whose last check by this watcher is older than this is checked again. */
    GPU_CHECK_INTERVAL_SECONDS: seconds("GPU_CHECK_INTERVAL_SECONDS", 6 * 3600),
    /** An offer whose last check did not pass is checked again after this (a provider that fixed its agent need not wait a whole interval). */
    GPU_CHECK_RETRY_SECONDS: seconds("GPU_CHECK_RETRY_SECONDS", 900),
    /** Seconds between looks for due offers. */
    GPU_CHECK_CYCLE_SECONDS: seconds("GPU_CHECK_CYCLE_SECONDS", 30),
    GPU_CHECKS_PER_CYCLE: z.coerce.number({ error: "GPU_CHECKS_PER_CYCLE must be a number" }).int().min(1).max(1000).default(4),
    /** The request is aborted this long after the deadline (an answer that comes later is TimedOut either way). */
    GPU_CHECK_MARGIN_MS: z.coerce.number({ error: "GPU_CHECK_MARGIN_MS must be milliseconds" }).int().min(0).max(600_000).default(2000),
    /** Overrides of the recorded deployment (tests, other networks). */
    REGISTRY_ADDRESS: address.optional(),
    ESCROW_ADDRESS: address.optional(),
    LIVENESS_ADDRESS: address.optional(),
    DEPLOY_BLOCK: z.coerce.bigint({ error: "DEPLOY_BLOCK must be a block number" }).optional(),
  })
  .refine((env) => env.WATCHER_KEY_FILE || env.CHAIN_ID === LOCAL_CHAIN_ID, {
    message: `WATCHER_KEY_FILE is required off the local chain (development accounts are refused on any chain but ${LOCAL_CHAIN_ID})`,
    path: ["WATCHER_KEY_FILE"],
  })
  .refine((env) => env.WATCHER_DEV_ACCOUNT === undefined || env.CHAIN_ID === LOCAL_CHAIN_ID, {
    message: `WATCHER_DEV_ACCOUNT is a public development key: only chain ${LOCAL_CHAIN_ID} accepts it; use WATCHER_KEY_FILE`,
    path: ["WATCHER_DEV_ACCOUNT"],
  })
  .refine((env) => !(env.WATCHER_DEV_ACCOUNT !== undefined && env.WATCHER_KEY_FILE), {
    message: "set WATCHER_KEY_FILE or WATCHER_DEV_ACCOUNT, not both",
    path: ["WATCHER_DEV_ACCOUNT"],
  });

export type WatcherEnv = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** The environment, validated; a bad value is one sentence naming the variable. */
export function parseEnv(env: NodeJS.ProcessEnv): WatcherEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join(".");
    throw new ConfigError(`Bad watcher configuration: ${issue.message.startsWith(name) || !name ? issue.message : `${name}: ${issue.message}`}.`);
  }
  return parsed.data;
}
