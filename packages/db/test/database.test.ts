import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@gridlease/sdk/local-chain";
import { startEmbeddedPostgres, startTempPostgres } from "../src/embedded";
import { checkDatabase, runMigrations } from "../src/migrate";

let server: Awaited<ReturnType<typeof startTempPostgres>>;

beforeAll(async () => {
  server = await startTempPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describe("migrations", () => {
  it("apply once, then report nothing to do", async () => {
    const first = await runMigrations(server.url);
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(await runMigrations(server.url)).toEqual([]);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const tables = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public' order by 1");
    await client.end();
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(["offer", "provider", "lease", "dispute", "raw_event", "indexer_cursor", "provider_heartbeat"]),
    );
  });

  it("runs concurrently without applying anything twice", async () => {
    const results = await Promise.all([runMigrations(server.url), runMigrations(server.url)]);
    expect(results).toEqual([[], []]);
  });
});

describe("checkDatabase", () => {
  it("explains an unreachable database in one sentence", async () => {
    const port = await freePort();
    await expect(checkDatabase(`postgresql://postgres:postgres@127.0.0.1:${port}/gridlease`)).rejects.toThrow(
      `Cannot reach PostgreSQL at 127.0.0.1:${port} (connection refused). Check DATABASE_URL.`,
    );
    await expect(checkDatabase("")).rejects.toThrow(/DATABASE_URL is not set/);
  });
});

describe("startEmbeddedPostgres", () => {
  it("starts on an existing directory without initdb", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dataDir = mkdtempSync(`${tmpdir()}/gridlease-reuse-`);
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    const c1 = new pg.Client({ connectionString: first.url });
    await c1.connect();
    await c1.query("create table keepme (x int); insert into keepme values (42)");
    await c1.end();
    await first.stop();
    const second = await startEmbeddedPostgres({ dataDir, port });
    const c2 = new pg.Client({ connectionString: second.url });
    await c2.connect();
    const rows = await c2.query("select x from keepme");
    await c2.end();
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(rows.rows).toEqual([{ x: 42 }]);
  });
});
