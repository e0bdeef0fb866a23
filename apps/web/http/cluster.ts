/**
 * WEB_PROCESSES=N: N web processes behind one port, with node:cluster. The primary process only
 * accepts connections and hands them to the workers in turn (round-robin, the default on Linux); each
 * worker is a complete server (http/main.ts). They can be many because nothing a request depends on
 * lives in one process: nonces, sessions and rate limits are in PostgreSQL, caches follow the
 * indexer's NOTIFY (lib/server/shared-state.ts).
 */
import cluster, { type Worker } from "node:cluster";
import { serverSettings } from "../lib/server/runtime-config";

/** WEB_PROCESSES, 1 when unset; a sentence for a bad value (lib/server/runtime-config.ts). */
export function webProcessCount(): number {
  return serverSettings().WEB_PROCESSES;
}

/** Message a worker sends the primary once it listens. */
export const WORKER_READY = "gridlease-web-ready";
/** Message the primary sends a worker to close gracefully (a second signal would kill it at once). */
export const WORKER_SHUTDOWN = "gridlease-web-shutdown";

/**
 * Runs the primary: forks `count` workers, prints "[web] ready on <origin> (N processes)" once all
 * listen, replaces a worker that dies (after a second, so a crash loop does not spin), and on
 * SIGTERM/SIGINT asks every worker to close and exits when they have.
 */
export function runPrimary(count: number, origin: string): void {
  let stopping = false;
  let ready = 0;
  const started = new WeakSet<Worker>();
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("message", (message: unknown) => {
      if (message !== WORKER_READY) return;
      started.add(worker);
      ready++;
      if (ready === count)
        console.log(
          `[web] ready on ${origin} (${count} processes, pids ${Object.values(cluster.workers ?? {})
            .map((w) => w?.process.pid)
            .join(" ")})`,
        );
    });
    return worker;
  };
  for (let i = 0; i < count; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (!started.has(worker)) {
      // It never served: a configuration error (its own output says which), not a crash to retry forever.
      console.error(`[web] error: a web process exited before it was ready (${signal ?? `code ${code}`}); stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
      process.exit(1);
    }
    console.error(`[web] worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, 1_000).unref();
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[web] ${signal}: closing ${Object.keys(cluster.workers ?? {}).length} processes`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send(WORKER_SHUTDOWN);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    setTimeout(() => process.exit(0), 6_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
