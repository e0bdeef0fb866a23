import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { withTransaction } from "./transaction";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../prisma/migrations");

export interface MigrateOptions {
  log?: (line: string) => void;
  migrationsDir?: string;
}

function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}`;
  } catch {
    return "the configured address";
  }
}

/** Turns a pg connection failure into one plain sentence. */
export function connectionErrorMessage(url: string, error: unknown): string {
  const code = (error as { code?: string })?.code;
  const target = describeTarget(url);
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    ETIMEDOUT: "connection timed out",
    EHOSTUNREACH: "host unreachable",
    "28P01": "password authentication failed",
    "3D000": "database does not exist",
  };
  const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
  return `Cannot reach PostgreSQL at ${target} (${reason}). Check DATABASE_URL.`;
}

/** Throws an Error with a one-sentence message when the database cannot be reached. */
export async function checkDatabase(url: string): Promise<void> {
  if (!url) throw new Error("DATABASE_URL is not set; point it at a PostgreSQL database, e.g. postgresql://postgres:postgres@127.0.0.1:5432/gridlease.");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(connectionErrorMessage(url, error));
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, each in its own transaction,
 * recording them in `_gridlease_migrations`. Idempotent; an advisory lock keeps two starters
 * from applying the same migration at once. Returns the names applied now.
 */
export async function runMigrations(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  await checkDatabase(databaseUrl);
  const log = options.log ?? (() => undefined);
  const migrations = readMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock(hashtext('gridlease_migrations'))");
    await client.query(`create table if not exists _gridlease_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const done = new Map(
      (await client.query<{ name: string; checksum: string }>("select name, checksum from _gridlease_migrations")).rows.map((row) => [row.name, row.checksum]),
    );
    for (const migration of migrations) {
      const previous = done.get(migration.name);
      if (previous !== undefined) {
        if (previous !== migration.checksum) log(`warning: migration ${migration.name} changed after it was applied; leaving it as is`);
        continue;
      }
      // On this client: it holds the advisory lock for the whole run.
      await withTransaction(client, async () => {
        await client.query(migration.sql);
        await client.query("insert into _gridlease_migrations (name, checksum) values ($1, $2)", [migration.name, migration.checksum]);
      }).catch((error: unknown) => {
        throw new Error(`Migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      applied.push(migration.name);
      log(`applied migration ${migration.name}`);
    }
  } finally {
    await client.query("select pg_advisory_unlock(hashtext('gridlease_migrations'))").catch(() => undefined);
    await client.end();
  }
  return applied;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const url = process.env.DATABASE_URL ?? "";
  runMigrations(url, { log: (line) => console.log(line) })
    .then((applied) => console.log(applied.length ? `${applied.length} migration(s) applied.` : "Database is up to date."))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
