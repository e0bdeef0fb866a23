import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";
import { dbEnv } from "./env";

// pg returns numeric/bigint columns as strings by default, which keeps uint256 amounts exact.

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set; point it at the Gridlease PostgreSQL database.");
  return url;
}

// Kept on globalThis so Next.js dev reloads reuse one pool instead of leaking connections.
const globals = globalThis as typeof globalThis & { __gridleasePrisma?: PrismaClient; __gridleasePool?: pg.Pool };

/** Prisma client over the pg driver adapter (client engine: no native engine binary needed). */
export function getPrisma(): PrismaClient {
  globals.__gridleasePrisma ??= new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl(), max: 10 }) });
  return globals.__gridleasePrisma;
}

/** Shared pg pool for hand-written SQL (search, stats) where Prisma's query builder would be slower. */
export function getPool(): pg.Pool {
  if (!globals.__gridleasePool) {
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: dbEnv().PG_POOL_MAX });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on("error", (error) => console.error(`[db] idle PostgreSQL connection failed: ${error.message}`));
    globals.__gridleasePool = pool;
  }
  return globals.__gridleasePool;
}

export async function closeDatabaseClients(): Promise<void> {
  const { __gridleasePrisma: prisma, __gridleasePool: pool } = globals;
  globals.__gridleasePrisma = undefined;
  globals.__gridleasePool = undefined;
  await Promise.all([prisma?.$disconnect(), pool?.end()]);
}
