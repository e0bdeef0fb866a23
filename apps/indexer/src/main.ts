import { refreshSilentUptime, UPTIME_REFRESH_INTERVAL_MS } from "@gridlease/db/uptime-refresh";
import { finalityDepthFor } from "@gridlease/sdk/chains";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import pg from "pg";
import { z } from "zod";
import { startIndexer } from "./indexer";

const envSchema = z.object({
  DATABASE_URL: z.string({ error: "DATABASE_URL is not set" }).regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL"),
  RPC_URL: z.url({ error: "RPC_URL must be an http(s) URL of an Ethereum JSON-RPC node" }).default("http://127.0.0.1:8545"),
  CHAIN_ID: z.coerce.number({ error: "CHAIN_ID must be a number" }).int("CHAIN_ID must be a whole number").positive("CHAIN_ID must be positive").default(31337),
  INDEXER_PORT: z.coerce.number({ error: "INDEXER_PORT must be a number" }).int().min(0).max(65535, "INDEXER_PORT must be a TCP port").default(42069),
  /** Default: the depth recorded at deploy time, else the chain's in packages/sdk/src/chains.ts (12 on the local chain). */
  FINALITY_DEPTH: z.coerce.number().int().min(0, "FINALITY_DEPTH must be 0 or more").optional(),
  /** Overrides of the recorded deployment (tests, other networks). */
  REGISTRY_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "REGISTRY_ADDRESS must be a 0x address")
    .optional(),
  ESCROW_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "ESCROW_ADDRESS must be a 0x address")
    .optional(),
  /** The escrow's LeaseLiveness (with the overrides above; the recorded deployment carries its own). */
  LIVENESS_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "LIVENESS_ADDRESS must be a 0x address")
    .optional(),
  DEPLOY_BLOCK: z.coerce.bigint({ error: "DEPLOY_BLOCK must be a block number" }).optional(),
  INDEXER_MAX_RANGE_BLOCKS: z.coerce.number().int().positive().optional(),
  INDEXER_TARGET_EVENTS: z.coerce.number().int().positive("INDEXER_TARGET_EVENTS must be positive").optional(),
  INDEXER_PREFETCH: z.coerce.number().int().min(1, "INDEXER_PREFETCH must be at least 1").optional(),
  INDEXER_MAX_ANSWER_BYTES: z.coerce.number().int().min(1024, "INDEXER_MAX_ANSWER_BYTES must be at least 1024").optional(),
  /** Development chain (hardhat_mine padding tolerated); default: CHAIN_ID is 31337. Never for a real network. */
  /** Wait as a hot standby while another indexer writes this chain, and take over when it dies (default true). */
  INDEXER_STANDBY: z.enum(["true", "false"], { error: "INDEXER_STANDBY must be true or false" }).default("true"),
  INDEXER_DEV_CHAIN: z.enum(["true", "false"], { error: "INDEXER_DEV_CHAIN must be true or false" }).optional(),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Bad indexer configuration: ${issue.message}.`);
  }
  const env = parsed.data;
  const deployment =
    env.REGISTRY_ADDRESS && env.ESCROW_ADDRESS && env.DEPLOY_BLOCK !== undefined
      ? {
          registry: { address: env.REGISTRY_ADDRESS, deployBlock: env.DEPLOY_BLOCK },
          escrow: { address: env.ESCROW_ADDRESS, deployBlock: env.DEPLOY_BLOCK },
          liveness: env.LIVENESS_ADDRESS ? { address: env.LIVENESS_ADDRESS, deployBlock: env.DEPLOY_BLOCK } : undefined,
        }
      : getDeployment(env.CHAIN_ID);
  const recorded = env.REGISTRY_ADDRESS ? undefined : getDeployment(env.CHAIN_ID).finalityDepth;
  const finalityDepth = env.FINALITY_DEPTH ?? finalityDepthFor(env.CHAIN_ID, recorded);
  if (finalityDepth === undefined) {
    throw new Error(
      `Bad indexer configuration: FINALITY_DEPTH is not set and chain ${env.CHAIN_ID} has no finality depth recorded or in packages/sdk/src/chains.ts.`,
    );
  }
  const indexer = await startIndexer({
    databaseUrl: env.DATABASE_URL,
    rpcUrl: env.RPC_URL,
    chainId: env.CHAIN_ID,
    deployment,
    port: env.INDEXER_PORT,
    finalityDepth,
    maxRangeBlocks: env.INDEXER_MAX_RANGE_BLOCKS,
    targetEventsPerBatch: env.INDEXER_TARGET_EVENTS,
    prefetch: env.INDEXER_PREFETCH,
    maxAnswerBytes: env.INDEXER_MAX_ANSWER_BYTES,
    standby: env.INDEXER_STANDBY === "true",
    devChain: env.INDEXER_DEV_CHAIN === undefined ? undefined : env.INDEXER_DEV_CHAIN === "true",
  });
  console.log(`indexer for chain ${env.CHAIN_ID} at ${env.RPC_URL}; health on http://127.0.0.1:${indexer.port}/health`);
  // A silent provider's uptime decays only if something recomputes it (no heartbeat will). The indexer
  // runs it: exactly one indexer holds each chain's lock, while web servers may be many or none.
  const uptimeDb = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
  uptimeDb.on("error", (error) => console.error(`uptime refresh: idle PostgreSQL connection failed: ${error.message}`));
  const refreshUptime = () =>
    refreshSilentUptime(uptimeDb, env.CHAIN_ID).catch((error: unknown) =>
      console.error(`uptime refresh failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  const uptimeTimer = setInterval(refreshUptime, UPTIME_REFRESH_INTERVAL_MS);
  void refreshUptime();
  const shutdown = () => {
    clearInterval(uptimeTimer);
    void Promise.all([indexer.stop(), uptimeDb.end()]).then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  try {
    await indexer.done;
  } finally {
    // The refresh must not keep a stopped indexer's process alive.
    clearInterval(uptimeTimer);
    await uptimeDb.end().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
