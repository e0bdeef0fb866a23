import { describe, expect, it } from "vitest";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseScriptJson, runScript, ScriptError } from "../src/scripts";

async function script(body: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-script-"));
  const file = path.join(dir, "script.sh");
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return { file, dir };
}

describe("runScript", () => {
  it("passes the input as JSON on stdin and the environment through", async () => {
    const { file } = await script('cat; printf " %s" "$GRIDLEASE_LEASE_ID"');
    const result = await runScript({ command: file, args: [], timeoutSeconds: 10 }, { leaseId: "4" }, { env: { GRIDLEASE_LEASE_ID: "4" } });
    expect(result.stdout).toBe('{"leaseId":"4"} 4');
  });

  it("reports the exit code and the end of stderr when a script fails", async () => {
    const { file } = await script('echo "docker: permission denied" >&2; exit 3');
    await expect(runScript({ command: file, args: [], timeoutSeconds: 10 }, {})).rejects.toThrow(
      `${file} exited with code 3; stderr: docker: permission denied`,
    );
  });

  it("kills a hanging script and everything it started when the timeout passes", async () => {
    const { file, dir } = await script(`sleep 30 & echo $! > "${'$(dirname "$0")'}/child.pid"; wait`);
    const started = Date.now();
    await expect(runScript({ command: file, args: [], timeoutSeconds: 0.5 }, {})).rejects.toThrow(/timed out after 0.5s/);
    expect(Date.now() - started).toBeLessThan(5000);
    const childPid = Number(await readFile(path.join(dir, "child.pid"), "utf8"));
    // Gone, or a zombie waiting for this container's init to reap it: either way no longer running.
    const state = await readFile(`/proc/${childPid}/stat`, "utf8").then(
      (stat) => stat.split(" ")[2],
      () => "gone",
    );
    expect(["gone", "Z", "X"]).toContain(state);
  });

  it("stops a script when the agent shuts down", async () => {
    const { file } = await script("sleep 30");
    const controller = new AbortController();
    const run = runScript({ command: file, args: [], timeoutSeconds: 60 }, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toThrow("stopped because the agent is shutting down");
  });

  it("does not start a script once the agent is shutting down", async () => {
    const { file, dir } = await script(`touch "${'$(dirname "$0")'}/ran"`);
    await expect(runScript({ command: file, args: [], timeoutSeconds: 5 }, {}, { signal: AbortSignal.abort() })).rejects.toThrow(
      "not started: the agent is shutting down",
    );
    await expect(readFile(path.join(dir, "ran"))).rejects.toThrow();
  });

  it("reports a command that cannot be started", async () => {
    await expect(runScript({ command: "/nonexistent/provision.sh", args: [], timeoutSeconds: 1 }, {})).rejects.toThrow(ScriptError);
  });
});

describe("parseScriptJson", () => {
  it("takes the whole stdout or its last line, and names bad output", () => {
    expect(parseScriptJson('{"host":"h","port":22}\n', "p")).toEqual({ host: "h", port: 22 });
    expect(parseScriptJson('pulling image...\n{"host":"h"}\n', "p")).toEqual({ host: "h" });
    expect(() => parseScriptJson("[1,2]", "p")).toThrow('p did not print a JSON object on stdout (got: "[1,2]")');
    expect(() => parseScriptJson("", "p")).toThrow(ScriptError);
  });
});
