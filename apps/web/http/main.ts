/**
 * The web app's production server: Node's HTTP server with the public read API answered directly
 * (http/api-lane.ts) and everything else handed to Next.js (`next start` semantics otherwise).
 *
 *   node --import tsx apps/web/http/main.ts [--hostname 127.0.0.1] [--port 3000]
 *
 * Needs a production build (`next build`, or NEXT_DIST_DIR's). `npm start` runs it via scripts/stack.ts.
 * WEB_PROCESSES=N runs N of these behind the one port (http/cluster.ts).
 */
import cluster from "node:cluster";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { publicOrigin, serverSettings } from "../lib/server/runtime-config";
import { startSharedState } from "../lib/server/shared-state";
import { runPrimary, webProcessCount, WORKER_READY, WORKER_SHUTDOWN } from "./cluster";
import { createDispatcher } from "./dispatch";

const WEB_DIR = path.resolve(import.meta.dirname, "..");

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { hostname: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: process.env.PORT ?? "3000" } },
  });
  const hostname = values.hostname!;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, got "${values.port}"`);
  (process.env as Record<string, string>).NODE_ENV = "production"; // what `next start` sets; some libraries read it

  // Sign-in checks compare against the public origin (lib/server/runtime-config.ts): default it to the
  // address served here, and refuse a malformed one now rather than on the first sign-in.
  process.env.PUBLIC_ORIGIN ||= `http://${hostname}:${port}`;
  publicOrigin();
  serverSettings(); // a malformed SESSION_SECRET, TRUSTED_PROXIES, WEB_PROCESSES or ALLOWED_ORIGINS stops the start with its reason
  const processes = webProcessCount();
  if (processes > 1 && cluster.isPrimary) return runPrimary(processes, `http://${hostname}:${port}`);

  // Shared session key and revocations, and LISTEN for new data, before the first request.
  await startSharedState();
  const app = next({ dev: false, dir: WEB_DIR, hostname, port });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();

  const origin = `http://${hostname}:${port}`;
  const server = http.createServer(createDispatcher(handleWithNext));
  // Keep-alive longer than common proxies' idle timeout, as `next start` does.
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, resolve);
  });
  if (cluster.isWorker) {
    console.log(`[web] process ${process.pid} ready on ${origin}`);
    process.send?.(WORKER_READY);
  } else {
    console.log(`[web] ready on ${origin}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[web] ${signal}: closing`);
    server.close(() => void app.close().finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("message", (message) => {
    if (message === WORKER_SHUTDOWN) stop("shutdown");
  });
}

main().catch((error: unknown) => {
  console.error(`[web] error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
