import { z } from "zod";
import { DbError } from "./errors";

/**
 * The environment @gridlease/db reads in whichever process uses it (web app, indexer, benchmarks),
 * parsed by one schema: a malformed value is a startup error naming the variable, never a silent NaN
 * or a fallback. An empty value counts as unset. DATABASE_URL is read by client.ts (required there).
 */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);
const milliseconds = (fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: "must be a whole number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .nonnegative("must be 0 or more")
      .default(fallback),
  );

export const dbEnvSchema = z.object({
  /** Connections per process in the shared pool. */
  PG_POOL_MAX: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(1000, "must be at most 1000")
      .default(20),
  ),
  /** How long /api/stats reuses its totals. */
  STATS_TTL_MS: milliseconds(2000),
  /** How long the per-model market summary is reused. */
  SEARCH_SUMMARY_TTL_MS: milliseconds(2000),
  /** How often the in-memory offer list re-reads providers' last-seen times. */
  SEARCH_LAST_SEEN_REFRESH_MS: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: "must be a whole number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .positive("must be more than 0")
      .default(1000),
  ),
  /** How often a web process asks PostgreSQL whether the indexed data changed (search cache); the web app's default when unset. */
  SEARCH_VERSION_CHECK_MS: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: "must be a whole number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .positive("must be more than 0")
      .optional(),
  ),
  /** `sql` answers search from PostgreSQL only (tests compare it with the in-memory list). */
  SEARCH_LIST_SOURCE: z.preprocess(unsetIfEmpty, z.enum(["memory", "sql"], { error: 'must be "memory" or "sql"' }).default("memory")),
});

export type DbEnv = z.output<typeof dbEnvSchema>;

export class EnvError extends DbError {
  readonly code = "env";
}

const DB_ENV_NAMES = Object.keys(dbEnvSchema.shape);
let parsedCache: { key: string; value: DbEnv } | undefined;

/** How long a value read from process.env is reused (envValue). */
export const ENV_REREAD_MS = 1000;
const envReads = new Map<string, string | undefined>();
let envReadsAt = 0;

/**
 * process.env[name], read again at most once per ENV_REREAD_MS. A read of process.env is a call into
 * the runtime (≈ 1–2 µs), and a search request read a dozen variables (its settings are meant to be
 * fixed for the life of the process); one changed while running shows within that time.
 */
export function envValue(name: string): string | undefined {
  const now = Date.now();
  if (now - envReadsAt >= ENV_REREAD_MS || now < envReadsAt) {
    envReads.clear();
    envReadsAt = now;
  }
  if (envReads.has(name)) return envReads.get(name);
  const value = process.env[name];
  envReads.set(name, value);
  return value;
}

/** The parsed environment; throws EnvError with one line per bad variable, e.g. "STATS_TTL_MS: must be 0 or more". */
export function dbEnv(env: NodeJS.ProcessEnv = process.env): DbEnv {
  // Parsed again only when one of its variables changed (tests change them while running).
  let key = "";
  for (const name of DB_ENV_NAMES) key += `${env[name] ?? "\u0000"}\u0001`;
  if (parsedCache?.key === key) return parsedCache.value;
  const parsed = dbEnvSchema.safeParse(env);
  if (parsed.success) {
    parsedCache = { key, value: parsed.data };
    return parsed.data;
  }
  const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`);
  throw new EnvError(`Invalid environment for the database layer:\n${lines.join("\n")}`);
}
