import { spawn } from "node:child_process";
import type { WorkloadsConfig } from "../config";
import { INHERITED_ENV } from "../scripts";
import { AgentError } from "../errors";

/**
 * Argument lists for Podman/Docker and a runner for them. The argv builders are pure, so the flags a
 * real GPU host gets (CDI devices, --gpus) are tested by recording them on a machine without GPUs.
 * Nothing a renter chose becomes a runtime flag: the image, env values and command are single argv
 * entries after flags the agent wrote (env names are checked by the launch spec, launch-spec.ts).
 */

export interface ContainerPlan {
  leaseId: bigint;
  image: string;
  env: Record<string, string>;
  /** Run as `/bin/sh -c <command>`; absent: the image's own entrypoint and command. */
  command?: string;
  containerPorts: number[];
  bindAddress: string;
  network: string;
  gpuIndices: number[];
  gpuAccess: "cdi" | "gpus" | "none";
  cpus?: number;
  memoryMb?: number;
  /** Host folder mounted at /data (the lease's disk). */
  dataDir?: string;
  /** sshd's privilege separation and chroot need two more capabilities (the SSH template only). */
  ssh: boolean;
}

export const containerName = (leaseId: bigint) => `gridlease-lease-${leaseId}`;
export const networkName = (leaseId: bigint) => `gridlease-lease-${leaseId}`;

/** What a root process in a renter's image needs for package installs and its own services; everything else is dropped. */
const BASE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID", "KILL", "NET_BIND_SERVICE"];
const SSH_CAPABILITIES = ["SYS_CHROOT", "AUDIT_WRITE"];

export function runArgs(plan: ContainerPlan, runtime: "podman" | "docker"): string[] {
  const args = [
    "run",
    "--detach",
    "--name",
    containerName(plan.leaseId),
    "--label",
    `gridlease.lease=${plan.leaseId}`,
    "--hostname",
    `lease-${plan.leaseId}`,
    "--network",
    plan.network,
    "--security-opt",
    "no-new-privileges",
    "--cap-drop",
    "ALL",
    ...[...BASE_CAPABILITIES, ...(plan.ssh ? SSH_CAPABILITIES : [])].flatMap((cap) => ["--cap-add", cap]),
    "--pids-limit",
    "4096",
    "--ipc",
    "private",
  ];
  if (plan.cpus) args.push("--cpus", String(plan.cpus));
  if (plan.memoryMb) args.push("--memory", `${plan.memoryMb}m`);
  for (const port of plan.containerPorts) args.push("--publish", `${hostPart(plan.bindAddress)}::${port}`);
  if (plan.gpuIndices.length && plan.gpuAccess === "cdi") for (const i of plan.gpuIndices) args.push("--device", `nvidia.com/gpu=${i}`);
  if (plan.gpuIndices.length && plan.gpuAccess === "gpus") args.push("--gpus", `"device=${plan.gpuIndices.join(",")}"`);
  if (plan.dataDir) args.push("--volume", `${plan.dataDir}:/data${runtime === "podman" ? ":Z" : ""}`);
  for (const [name, value] of Object.entries(plan.env)) args.push("--env", `${name}=${value}`);
  if (plan.command !== undefined) args.push("--entrypoint", '["/bin/sh","-c"]');
  args.push(plan.image);
  if (plan.command !== undefined) args.push(plan.command);
  return args;
}

/** An IPv6 bind address goes in brackets in --publish. */
function hostPart(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/** The bridge device Docker is told to give a lease's network (Podman 4.3 names its own; it is read back). */
export function bridgeName(leaseId: bigint): string {
  const name = `glease${leaseId}`;
  return name.length <= 15 ? name : `gl${leaseId.toString(36).slice(-13)}`;
}

/** A per-lease network: Podman's `isolate` and Docker's separate bridge keep other leases' containers off it. */
export function networkCreateArgs(leaseId: bigint, runtime: "podman" | "docker"): string[] {
  return runtime === "podman"
    ? ["network", "create", "--opt", "isolate=true", "--label", `gridlease.lease=${leaseId}`, networkName(leaseId)]
    : [
        "network",
        "create",
        "--driver",
        "bridge",
        "--opt",
        `com.docker.network.bridge.name=${bridgeName(leaseId)}`,
        "--label",
        `gridlease.lease=${leaseId}`,
        networkName(leaseId),
      ];
}

/**
 * iptables rules that fence a lease's bridge (docs/security.md, requirements for issue 16): nothing
 * from the container reaches the host's own services except replies and the runtime's DNS on the
 * bridge, and nothing is forwarded to `blockedNets` (link-local, which holds cloud metadata at
 * 169.254.169.254, plus whatever the provider adds). Each rule carries the lease's comment so removal
 * finds exactly its own, even once the network (and so the device name) is gone. Listed in insertion order: each is inserted at position 1, so the last
 * listed ends up first.
 */
export function fenceRules(leaseId: bigint, dev: string, blockedNets: string[]): string[][] {
  const tag = ["-m", "comment", "--comment", `gridlease-lease-${leaseId}`];
  return [
    ["INPUT", "-i", dev, ...tag, "-j", "DROP"],
    ["INPUT", "-i", dev, "-p", "udp", "--dport", "53", ...tag, "-j", "ACCEPT"],
    ["INPUT", "-i", dev, "-p", "tcp", "--dport", "53", ...tag, "-j", "ACCEPT"],
    ["INPUT", "-i", dev, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", ...tag, "-j", "ACCEPT"],
    ...blockedNets.map((net) => ["FORWARD", "-i", dev, "-d", net, ...tag, "-j", "DROP"]),
  ];
}

export class RuntimeError extends AgentError {
  readonly code = "container_runtime";
}

export interface RuntimeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the configured runtime with `args`; never through a shell. */
export class ContainerRuntime {
  readonly binary: string;
  readonly kind: "podman" | "docker";

  constructor(private readonly config: WorkloadsConfig) {
    this.binary = config.command ?? config.runtime;
    this.kind = config.runtime;
  }

  /** Resolves with the exit code; rejects only when the binary cannot be started or times out. */
  exec(args: string[], timeoutMs = 120_000): Promise<RuntimeResult> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    Object.assign(env, this.config.env);
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [...this.config.globalArgs, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new RuntimeError(`${this.binary} ${args[0]} timed out after ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout = (stdout + c).slice(-4 * 1024 * 1024)));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-64 * 1024)));
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(new RuntimeError(`${this.binary} could not be started: ${error.message}`));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Like exec, but a non-zero exit is an error naming the subcommand and what the runtime said. */
  async ok(args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.exec(args, timeoutMs);
    if (result.code !== 0)
      throw new RuntimeError(
        `${this.binary} ${args.slice(0, 2).join(" ")} failed (exit ${result.code}): ${result.stderr.trim().split("\n").slice(-3).join(" ") || "no message"}`,
      );
    return result.stdout;
  }
}
