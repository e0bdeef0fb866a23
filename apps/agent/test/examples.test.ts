import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runScript } from "../src/scripts";
import { scriptEnvironment, type LeaseScriptInput } from "../src/serve/lease-request";
import { leaseInput } from "./helpers/lease-input";

const examples = path.resolve(import.meta.dirname, "../examples");

async function run(script: string, input: LeaseScriptInput, env: Record<string, string> = {}) {
  return runScript({ command: path.join(examples, script), args: [], env, timeoutSeconds: 30 }, input, { env: scriptEnvironment(input) });
}

// The local-user example is run for real, inside private namespaces, by local-user-isolation.test.ts.

describe("example scripts", () => {
  it("all parse as POSIX shell", () => {
    for (const script of ["provision-local-user.sh", "deprovision-local-user.sh", "provision-docker.sh", "deprovision-docker.sh", "docker/entrypoint.sh"]) {
      expect(() => execFileSync("sh", ["-n", path.join(examples, script)])).not.toThrow();
    }
  });

  it("the Docker example refuses to start without allocated GPUs", async () => {
    const input = { ...leaseInput("5", "provision"), gpuIndices: [] };
    await expect(run("provision-docker.sh", input)).rejects.toThrow(/GRIDLEASE_GPU_INDICES/);
  });
});

// No Docker engine on the test machine: `docker` and `iptables` are recorders on PATH that log their
// arguments (one per line, each call closed by "--") and answer like a host without the container
// or network yet. The script itself runs for real; the tests read what it asked Docker to do.
function withRecorders(callback: (bin: string, calls: () => string[][]) => void) {
  const bin = mkdtempSync(path.join(tmpdir(), "gl-docker-recorder-"));
  const recorder = (answers: string) =>
    `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done >> "${bin}/calls"\necho -- >> "${bin}/calls"\n${answers}\nexit 0\n`;
  writeFileSync(path.join(bin, "docker"), recorder(`case "$1 $2" in "inspect "* | "network inspect") exit 1 ;; "port "*) echo 0.0.0.0:49153 ;; esac`));
  writeFileSync(path.join(bin, "iptables"), recorder(`[ "$1" = "-C" ] && exit 1`));
  chmodSync(path.join(bin, "docker"), 0o755);
  chmodSync(path.join(bin, "iptables"), 0o755);
  const calls = () => {
    const lines = readFileSync(path.join(bin, "calls"), "utf8").split("\n");
    const result: string[][] = [[]];
    for (const line of lines.slice(0, -1)) line === "--" ? result.push([]) : result.at(-1)!.push(line);
    return result.slice(0, -1);
  };
  try {
    callback(bin, calls);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

describe("examples/provision-docker.sh fences the lease container (recorded docker calls)", () => {
  it("starts the container without new privileges, with only sshd's capabilities, no renter env, on the fenced network", () => {
    withRecorders((bin, calls) => {
      const input = leaseInput("5", "provision");
      // Whatever else is in the agent's environment must not reach the container.
      const env = {
        ...scriptEnvironment(input),
        PATH: `${bin}:${process.env.PATH}`,
        LD_PRELOAD: "/tmp/evil.so",
        NVIDIA_VISIBLE_DEVICES: "all",
        NVIDIA_DRIVER_CAPABILITIES: "all",
      };
      const stdout = execFileSync(path.join(examples, "provision-docker.sh"), {
        env,
        input: JSON.stringify(input),
        encoding: "utf8",
        stdio: ["pipe", "pipe", "ignore"],
      });
      expect(JSON.parse(stdout)).toMatchObject({ port: 49153, user: "root", container: "gridlease-lease-5", gpuIndices: "2,3" });

      const run = calls().find((call) => call[0] === "run")!;
      const flagValues = (flag: string) => run.flatMap((arg, i) => (arg === flag ? [run[i + 1]] : []));
      expect(flagValues("--security-opt")).toEqual(["no-new-privileges"]);
      expect(flagValues("--cap-drop")).toEqual(["ALL"]);
      expect(flagValues("--cap-add").sort()).toEqual([
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "KILL",
        "NET_BIND_SERVICE",
        "SETGID",
        "SETUID",
        "SYS_CHROOT",
      ]);
      expect(flagValues("--network")).toEqual(["gridlease-leases"]);
      expect(flagValues("--ipc")).toEqual(["private"]);
      expect(flagValues("--gpus")).toEqual(['"device=2,3"']);
      expect(flagValues("--env")).toEqual([`SSH_PUBLIC_KEY=${input.sshPublicKey}`, "NVIDIA_DRIVER_CAPABILITIES=compute,utility"]);
      for (const forbidden of ["--privileged", "--env-file", "--cap-add=ALL", "--pid", "--userns", "--device"]) expect(run).not.toContain(forbidden);
      expect(run.join(" ")).not.toMatch(/LD_PRELOAD|NVIDIA_VISIBLE_DEVICES|evil|=all/);

      const network = calls().find((call) => call[0] === "network" && call[1] === "create")!;
      expect(network).toEqual(
        expect.arrayContaining(["com.docker.network.bridge.enable_icc=false", "com.docker.network.bridge.name=gridlease0", "gridlease-leases"]),
      );
      const rules = calls()
        .filter((call) => call[0] === "-I")
        .map((call) => call.join(" "));
      expect(rules).toEqual(
        expect.arrayContaining([
          "-I INPUT 1 -i gridlease0 -j DROP",
          "-I INPUT 1 -i gridlease0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
          "-I DOCKER-USER 1 -i gridlease0 -d 169.254.0.0/16 -j DROP",
        ]),
      );
      // The reply rule must sit above the drop: it is inserted at position 1 after it.
      expect(rules.indexOf("-I INPUT 1 -i gridlease0 -j DROP")).toBeLessThan(
        rules.findIndex((rule) => rule.startsWith("-I INPUT 1 -i gridlease0 -m conntrack")),
      );
    });
  });

  it("refuses to start a container it cannot fence off from the host and cloud metadata", () => {
    withRecorders((bin) => {
      rmSync(path.join(bin, "iptables"));
      const input = leaseInput("5", "provision");
      // Only the recorders' folder and the basics: no iptables anywhere on PATH.
      const env = { ...scriptEnvironment(input), PATH: `${bin}:/usr/bin:/bin` };
      const result = (() => {
        try {
          execFileSync(path.join(examples, "provision-docker.sh"), { env, input: "{}", encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
          return "started";
        } catch (error) {
          return String((error as { stderr?: string }).stderr);
        }
      })();
      expect(result).toMatch(/iptables is missing/);
    });
  });
});
