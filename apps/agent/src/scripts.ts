import { spawn } from "node:child_process";
import { AgentError } from "./errors";
import { runSandbox, SANDBOX_COMMAND } from "./sandbox";

export interface ScriptSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  timeoutSeconds: number;
}

export class ScriptError extends AgentError {
  readonly code = "script";
}

const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Time between SIGTERM and SIGKILL when a script overruns or the agent shuts down. */
const KILL_GRACE_MS = 3000;

function tail(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

export interface ScriptResult {
  stdout: string;
  stderr: string;
}

/**
 * The only parts of the agent's own environment a script inherits. Everything else (the key
 * passphrase, RPC credentials, whatever the provider's shell exported) stays in the agent: a script
 * runs renter-influenced work and may log or leak what it sees. Scripts get the lease facts as
 * GRIDLEASE_* variables and anything the provider names in the config's `env`.
 */
export const INHERITED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ"] as const;

function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

/**
 * Runs a provider script with `input` as JSON on stdin (`builtin:sandbox` runs in process, see
 * sandbox.ts). The script runs in its own process group so a timeout (or `signal`) kills everything it
 * started, not just the shell.
 */
export function runScript(spec: ScriptSpec, input: unknown, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<ScriptResult> {
  // An abort listener added to an already-aborted signal never fires, so refuse up front.
  if (options.signal?.aborted) return Promise.reject(new ScriptError(`${spec.command} not started: the agent is shutting down`));
  // Built in (sandbox.ts): the same lease facts, no process.
  if (spec.command === SANDBOX_COMMAND) return runSandbox((input as { event?: unknown }).event, { ...inheritedEnvironment(), ...spec.env, ...options.env });
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      env: { ...inheritedEnvironment(), ...spec.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    let failure: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const killGroup = (why: string) => {
      if (failure || child.exitCode !== null) return;
      failure = why;
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, signal);
        } catch {
          // The group is already gone.
        }
      };
      signalGroup("SIGTERM");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS);
    };

    const timeout = setTimeout(() => killGroup(`timed out after ${spec.timeoutSeconds}s`), spec.timeoutSeconds * 1000);
    const onAbort = () => killGroup("stopped because the agent is shutting down");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.length > MAX_OUTPUT_BYTES) killGroup(`printed more than ${MAX_OUTPUT_BYTES} bytes on stdout`);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_OUTPUT_BYTES);
    });
    // A script that ignores stdin closes it early; that is not an error.
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify(input));

    child.on("error", (error) => {
      clearTimeout(timeout);
      reject(new ScriptError(`${spec.command} could not be started: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      const said = tail(stderr) ? `; stderr: ${tail(stderr)}` : "";
      if (failure) return reject(new ScriptError(`${spec.command} ${failure}${said}`));
      if (code !== 0) return reject(new ScriptError(`${spec.command} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${said}`));
      resolve({ stdout, stderr });
    });
  });
}

/** The JSON object a provisioning script prints: its whole stdout, or else its last non-empty line. */
export function parseScriptJson(stdout: string, command: string): Record<string, unknown> {
  const candidates = [
    stdout.trim(),
    stdout
      .trim()
      .split("\n")
      .filter((l) => l.trim())
      .at(-1) ?? "",
  ];
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // try the next candidate
    }
  }
  throw new ScriptError(`${command} did not print a JSON object on stdout (got: ${JSON.stringify(tail(stdout, 200))})`);
}
