import { isIP } from "node:net";
import { z } from "zod";
import { trustedGpuCheckersField } from "@gridlease/db/gpu-checks";

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

/** One TRUSTED_PROXIES entry, an address or CIDR range, as node:net's BlockList takes it. */
export interface ProxyRange {
  address: string;
  bits: number;
  family: "ipv4" | "ipv6";
}

/** Comma-separated values, trimmed, empty ones dropped. */
const commaList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
  );

/**
 * The web server's own settings (apps/web/README.md). Unlike the runtime config they have defaults,
 * and a bad value is refused with a sentence naming the variable (http/main.ts checks them at start)
 * rather than ignored, as each read used to do on its own.
 */
const serverSettingsSchema = z.object({
  /** ≥ 32 characters, or unset/empty: then the key every process shares through PostgreSQL (shared-state.ts). */
  SESSION_SECRET: z
    .string()
    .optional()
    .transform((value) => value || undefined)
    .refine((value) => value === undefined || value.length >= 32, "SESSION_SECRET must be at least 32 characters, or unset to share a generated key"),
  /** Reverse proxies in front of this server whose X-Forwarded-* headers count; none by default. */
  TRUSTED_PROXIES: commaList.transform((entries, ctx): ProxyRange[] =>
    entries.flatMap((entry) => {
      const [address = "", prefix] = entry.split("/");
      const family = isIP(address);
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
        ctx.addIssue({ code: "custom", message: `TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range` });
        return [];
      }
      return [{ address, bits, family: family === 6 ? "ipv6" : "ipv4" }];
    }),
  ),
  /** Web processes behind the one port (http/cluster.ts). */
  WEB_PROCESSES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return 1;
      const count = Number(value);
      if (Number.isInteger(count) && count >= 1 && count <= 64) return count;
      ctx.addIssue({ code: "custom", message: `WEB_PROCESSES must be a whole number from 1 to 64, got "${value}"` });
      return z.NEVER;
    }),
  /** Origins besides this site's own allowed to POST (lib/api/origin.ts), without a trailing slash. */
  ALLOWED_ORIGINS: commaList.transform((entries, ctx) =>
    entries.map((entry) => {
      const origin = entry.replace(/\/$/, "");
      if (!URL.canParse(origin) || new URL(origin).origin !== origin || !/^https?:$/.test(new URL(origin).protocol)) {
        ctx.addIssue({ code: "custom", message: `ALLOWED_ORIGINS: "${entry}" is not an http(s) origin like https://app.example` });
      }
      return origin;
    }),
  ),
  /**
   * Proof of GPU checkers whose signed results earn offers the "Verified <model>" badge (comma-separated
   * addresses; on the local chain the development watcher when unset). packages/db/src/gpu-checks.ts
   * reads the same variable with this same field; parsed here so a typo stops the start.
   */
  TRUSTED_GPU_CHECKERS: trustedGpuCheckersField,
});

export type ServerSettings = z.output<typeof serverSettingsSchema>;

let settingsCache: { key: string; settings: ServerSettings } | undefined;

/** The web server's settings from `env`; parsed again only when one of them changed (origin and proxy checks run per request). */
export function serverSettings(env: Record<string, string | undefined> = process.env): ServerSettings {
  const raw = {
    SESSION_SECRET: env.SESSION_SECRET,
    TRUSTED_PROXIES: env.TRUSTED_PROXIES,
    WEB_PROCESSES: env.WEB_PROCESSES,
    ALLOWED_ORIGINS: env.ALLOWED_ORIGINS,
    TRUSTED_GPU_CHECKERS: env.TRUSTED_GPU_CHECKERS,
  };
  const key = JSON.stringify(raw);
  if (settingsCache?.key === key) return settingsCache.settings;
  const parsed = serverSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new RuntimeConfigError(`The web server's settings are invalid (apps/web/README.md):\n${z.prettifyError(parsed.error)}`);
  settingsCache = { key, settings: parsed.data };
  return parsed.data;
}
