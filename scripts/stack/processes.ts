import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";

/** A configuration or environment problem, reported as one sentence with no stack trace. */
export class StackError extends Error {}

export const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export function log(message: string) {
  console.log(`[gridlease] ${message}`);
}

export async function assertPortFree(port: number, what: string, envName: string) {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new StackError(
          err.code === "EADDRINUSE"
            ? `Port ${port} (${what}) is already in use — is another Gridlease or other server running? Stop it or set ${envName} to a free port.`
            : `Cannot listen on 127.0.0.1:${port} for ${what}: ${err.message}.`,
        ),
      );
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

let quiet = false;
/** Every child still running, in start order, so shutdown can stop one-shot steps too. */
export const running: ManagedProcess[] = [];

/** Stops echoing child output: during shutdown, services complaining about each other going away is noise. */
export function silenceChildren() {
  quiet = true;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  recentOutput: () => string;
  /**
   * The first output line matching `pattern` from now on (every line is checked as it arrives, so a
   * burst of later output cannot push it out of the ring before a waiter looks); undefined until then.
   */
  watchFor: (pattern: RegExp) => () => RegExpExecArray | undefined;
}

/**
 * Starts a long-lived or one-shot child. Its output goes to `<logDir>/<name>.log`, is kept in a
 * small ring for error messages, and is echoed with a prefix when `echo` says so.
 */
export function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  logDir: string;
  echo?: (line: string) => boolean;
}): ManagedProcess {
  mkdirSync(opts.logDir, { recursive: true });
  const file = createWriteStream(join(opts.logDir, `${opts.name}.log`), { flags: "a" });
  const ring: string[] = [];
  const watchers: { pattern: RegExp; match?: RegExpExecArray }[] = [];
  // Each child leads its own process group so that shutdown can stop it with everything it spawned
  // (tsx and pnpm run the real program as a grandchild), in an order of our choosing.
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const onData = (data: Buffer) => {
    file.write(data);
    for (const line of data.toString().split(/\r?\n/)) {
      if (!line.trim()) continue;
      ring.push(line);
      if (ring.length > 40) ring.shift();
      for (const w of watchers) w.match ??= w.pattern.exec(line) ?? undefined;
      if (!quiet && opts.echo?.(line)) console.log(`  ${opts.name} | ${line}`);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => {
    // "close" rather than "exit": by then the last output has been read, so error messages are complete.
    child.on("close", (code) => {
      file.end();
      resolve(code);
    });
    child.on("error", (err) => {
      ring.push(String(err));
      resolve(-1);
    });
  });
  const watchFor = (pattern: RegExp) => {
    const watcher: { pattern: RegExp; match?: RegExpExecArray } = { pattern };
    watchers.push(watcher);
    return () => watcher.match;
  };
  const managed: ManagedProcess = { name: opts.name, child, exited, recentOutput: () => ring.slice(-15).join("\n"), watchFor };
  running.push(managed);
  void exited.then(() => running.splice(running.indexOf(managed), 1));
  return managed;
}

/** Runs a one-shot step to completion; a non-zero exit becomes a StackError carrying its last output. */
export async function runStep(proc: ManagedProcess, description: string) {
  const code = await proc.exited;
  if (code !== 0) {
    throw new StackError(`${description} failed (exit code ${code}). Last output:\n${proc.recentOutput()}`);
  }
}

export async function stopProcess(proc: ManagedProcess, graceMs = 8000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.child.pid!, signal);
    } catch {
      proc.child.kill(signal);
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Polls until `probe` resolves true, failing early if the process it waits on dies. */
export async function waitFor(what: string, probe: () => Promise<boolean>, opts: { timeoutMs: number; process?: ManagedProcess; intervalMs?: number }) {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.process && opts.process.child.exitCode !== null) {
      await opts.process.exited;
      throw new StackError(
        `${what}: the ${opts.process.name} process exited (code ${opts.process.child.exitCode}). Last output:\n${opts.process.recentOutput()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
  throw new StackError(
    `${what} did not happen within ${opts.timeoutMs / 1000} s.${opts.process ? ` Last output of ${opts.process.name}:\n${opts.process.recentOutput()}` : ""}`,
  );
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.ok;
}

export async function rpcChainId(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: string };
  if (!body.result) throw new Error("no chain id in the answer");
  return Number(BigInt(body.result));
}
