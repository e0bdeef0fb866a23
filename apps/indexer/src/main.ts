import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { z } from "zod";
import { startIndexer } from "./indexer";

const envSchema = z.object({
  DATABASE_URL: z.string({ error: "DATABASE_URL is not set" }).regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL"),
  RPC_URL: z.url({ error: "RPC_URL must be an http(s) URL of an Ethereum JSON-RPC node" }).default("http://127.0.0.1:8545"),
  CHAIN_ID: z.coerce.number({ error: "CHAIN_ID must be a number" }).int("CHAIN_ID must be a whole number").positive("CHAIN_ID must be positive").default(31337),
  INDEXER_PORT: z.coerce.number({ error: "INDEXER_PORT must be a number" }).int().min(0).max(65535, "INDEXER_PORT must be a TCP port").default(42069),
  FINALITY_DEPTH: z.coerce.number().int().min(0, "FINALITY_DEPTH must be 0 or more").default(12),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Bad indexer configuration: ${issue.message}.`);
  }
  const env = parsed.data;
  const deployment = getDeployment(env.CHAIN_ID);
  const indexer = await startIndexer({
    databaseUrl: env.DATABASE_URL, rpcUrl: env.RPC_URL, chainId: env.CHAIN_ID, deployment,
    port: env.INDEXER_PORT, finalityDepth: env.FINALITY_DEPTH,
  });
  console.log(`indexer for chain ${env.CHAIN_ID} at ${env.RPC_URL}; health on http://127.0.0.1:${indexer.port}/health`);
  const shutdown = () => void indexer.stop().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  await indexer.done;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
