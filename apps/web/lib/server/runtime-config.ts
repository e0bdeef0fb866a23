import { z } from "zod";

/**
 * Read at request time, never at build time, so one `next build` can serve a stack on any port.
 */
const runtimeConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
  RPC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL of the JSON-RPC node" }),
  CHAIN_ID: z.coerce.number().int().positive(),
  /** The Gridlease watcher's address (apps/watcher) offered to renters for outage reports; the local chain has a default. */
  WATCHER_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
    .optional(),
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

const publicOriginSchema = z.url({ protocol: /^https?$/, error: "must be the http(s) origin browsers use for this site, e.g. https://gridlease.example" });

/**
 * The origin browsers reach this site at (PUBLIC_ORIGIN), e.g. "https://gridlease.example". Sign-in
 * messages must name it: the request's own Host header cannot be trusted for that, since whoever
 * relays a phished sign-in chooses it. Defaults to the local origin `npm start` and `next dev` serve.
 */
export function publicOrigin(env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env.PUBLIC_ORIGIN?.trim();
  if (!configured) return new URL(`http://127.0.0.1:${env.PORT ?? "3000"}`);
  const parsed = publicOriginSchema.safeParse(configured);
  const url = parsed.success ? new URL(parsed.data) : null;
  if (!url || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
    throw new RuntimeConfigError(`PUBLIC_ORIGIN ${JSON.stringify(configured)} must be an http(s) origin with no path, e.g. https://gridlease.example`);
  }
  return new URL(url.origin);
}
