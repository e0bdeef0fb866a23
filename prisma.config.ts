import { createRequire } from "node:module";
import path from "node:path";

// Prisma CLI config. Prisma cannot download engines here, so the CLI runs on the JS engine with
// the pg driver adapter; the generated client uses the client engine (packages/db/src/client.ts)
// and migrations are plain SQL files applied by packages/db/src/migrate.ts.
// Prisma packages are dependencies of @gridlease/db, not of the root, so resolve them from there.
const requireFromDb = createRequire(path.join(__dirname, "packages", "db", "package.json"));

const config = {
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    const { PrismaPg } = requireFromDb("@prisma/adapter-pg") as typeof import("@prisma/adapter-pg");
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/gridlease" });
  },
};
export default config;
