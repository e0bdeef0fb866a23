import { z } from "zod";

/**
 * Read at request time, never at build time, so one `next build` can serve a stack on any port.
 */
const runtimeConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
  RPC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL of the JSON-RPC node" }),
  CHAIN_ID: z.coerce.number().int().positive(),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

export class RuntimeConfigError extends Error {}

export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const parsed = runtimeConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new RuntimeConfigError(
      `The web app's environment is incomplete or invalid (set DATABASE_URL, RPC_URL and CHAIN_ID):\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
