import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface DispatchServer {
  port: number;
  pid: number;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  stop(): void;
}

/**
 * test/fixtures/dispatch-server.ts in its own process: the production server's dispatch with the real
 * routes, so a test can read its memory from /proc and reach it over real TCP.
 */
export async function startDispatchServer(env: Record<string, string> = {}): Promise<DispatchServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/dispatch-server.ts"], {
    cwd: `${import.meta.dirname}/..`,
    env: {
      ...process.env,
      // Nothing listens on these: the cases tested are answered before a database or chain is needed.
      DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:9/none",
      RPC_URL: "http://127.0.0.1:9",
      CHAIN_ID: "31337",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /listening (\d+)/.exec(output);
    if (match) {
      return {
        port: Number(match[1]),
        pid: child.pid!,
        peakRssMiB: () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
        stop: () => void child.kill("SIGTERM"),
      };
    }
  }
  throw new Error(`the test server exited before listening:\n${output}`);
}
