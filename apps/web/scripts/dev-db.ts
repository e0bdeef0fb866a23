/**
 * A throwaway database for working on the web app without the whole stack:
 * embedded PostgreSQL + migrations + N synthetic offers. Prints DATABASE_URL and runs until Ctrl-C.
 * Usage: pnpm exec tsx scripts/dev-db.ts [offers=500] [port=54390]
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { insertSyntheticOffers } from "@gridlease/db/synthetic";
import { closeDatabaseClients } from "@gridlease/db/client";

const offers = Number(process.argv[2] ?? 500);
const port = Number(process.argv[3] ?? 54390);
const dir = mkdtempSync(join(tmpdir(), "gridlease-webdev-"));
chmodSync(dir, 0o755); // the postgres user (we may run as root) must traverse it
const pg = await startEmbeddedPostgres({ dataDir: join(dir, "pg"), port });
await runMigrations(pg.url);
process.env.DATABASE_URL = pg.url;
if (offers > 0) await insertSyntheticOffers({ chainId: Number(process.env.CHAIN_ID ?? 31337), count: offers });
await closeDatabaseClients();
console.log(`DATABASE_URL=${pg.url}`);
const stop = async () => {
  await pg.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => {}, 1 << 30);
