import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, type Address } from "viem";
import { launchCommand, launchPorts, launchSpecHash, launchTemplate, type LaunchSpec, type WorkloadStatus } from "@gridlease/sdk/launch-spec";
import type { WorkloadsConfig } from "../config";
import type { Journal, WorkloadStep } from "../journal";
import type { Logger } from "../log";
import { bridgeName, containerName, ContainerRuntime, fenceRules, networkCreateArgs, networkName, runArgs, RuntimeError } from "./runtime";

/** One lease's workload as the lease handler hands it over. */
export interface WorkloadLease {
  leaseId: bigint;
  gpuIndices: number[];
  gpus: number;
  /** The offer's totals for all its GPUs; a lease gets its share (gpus / gpuCount). */
  offer: { gpuCount: number; cpuCores: number; ramGb: number };
  spec: LaunchSpec;
  sshPublicKey: string;
}

/** What the agent keeps about a lease's workload beyond the journal (no renter data: no env, no command). */
interface WorkloadMeta {
  template: LaunchSpec["template"];
  image: string;
  launchSpecHash: `0x${string}`;
}

interface Entry extends WorkloadMeta {
  state: WorkloadStatus["state"];
  exitCode: number | null;
  error: string | null;
  removeAt: string | null;
  endpoints: WorkloadStatus["endpoints"];
  refreshedAt: number;
}

export interface WorkloadManagerDeps {
  config: WorkloadsConfig;
  stateDir: string;
  journal: Journal;
  log: Logger;
  /** The provider's encryption private key: per-lease tokens are derived from it, so they survive restarts without being stored. */
  secret: Uint8Array;
  chainId: number;
  escrow: Address;
}

/** Status refreshes from `inspect` at most this often per lease. */
const REFRESH_MS = 2_000;
const MAX_LOG_LINE = 4096;

/**
 * Runs renters' launch specs in containers (issue 16): prepare (network, disk) before the accept,
 * then pull (skipped when the image is present) and start beside the accept transaction; status,
 * logs and endpoints on request; removal with the lease's data when it closes, after the export
 * grace when it ended by time. Every step is journaled.
 */
export class WorkloadManager {
  readonly runtime: ContainerRuntime;
  private readonly entries = new Map<string, Entry>();
  private readonly launching = new Map<string, Promise<void>>();

  constructor(private readonly deps: WorkloadManagerDeps) {
    this.runtime = new ContainerRuntime(deps.config);
  }

  private derive(label: string): string {
    const info = `gridlease/workload-token/v1;chain=${this.deps.chainId};escrow=${this.deps.escrow.toLowerCase()};${label}`;
    return bytesToHex(hkdf(sha256, this.deps.secret, undefined, info, 32)).slice(2);
  }

  /** The bearer token that reads one lease's status; it reaches the renter only inside the sealed access details. */
  leaseToken(leaseId: bigint): string {
    return this.derive(`lease=${leaseId}`);
  }

  /** The provider's own token: reads every lease's status (the dashboard). */
  providerToken(): string {
    return this.derive("provider");
  }

  /** The port the status API actually listens on (the config may say 0: any free port). */
  statusPort?: number;

  statusUrl(leaseId: bigint): string {
    const api = this.deps.config.statusApi;
    const host = this.deps.config.publicHost.includes(":") ? `[${this.deps.config.publicHost}]` : this.deps.config.publicHost;
    const base = api.publicUrl ?? `http://${host}:${this.statusPort ?? api.port}`;
    return `${base.replace(/\/$/, "")}/leases/${leaseId}/workload`;
  }

  private leaseDir(leaseId: bigint): string {
    return path.join(this.deps.stateDir, "workloads", `lease-${leaseId}`);
  }

  private metaPath(leaseId: bigint): string {
    return path.join(this.deps.stateDir, "workloads", `lease-${leaseId}.json`);
  }

  private async step(leaseId: bigint, step: WorkloadStep, detail?: string): Promise<void> {
    await this.deps.journal.record({ event: "workload", leaseId: leaseId.toString(), step, ...(detail !== undefined ? { detail } : {}) });
  }

  imageOf(spec: LaunchSpec): string {
    if (spec.template === "custom") return spec.image!;
    return this.deps.config.templateImages[spec.template] ?? launchTemplate(spec.template).image!;
  }

  /**
   * Before the accept: the lease's network and disk, and the access details to seal for the renter
   * (where to read status and the token). Safe to repeat after a restart.
   */
  async prepare(lease: WorkloadLease): Promise<Record<string, unknown>> {
    const { leaseId, spec } = lease;
    const meta: WorkloadMeta = { template: spec.template, image: this.imageOf(spec), launchSpecHash: launchSpecHash(spec) };
    await mkdir(path.dirname(this.metaPath(leaseId)), { recursive: true, mode: 0o700 });
    await writeFile(this.metaPath(leaseId), JSON.stringify(meta), { mode: 0o600 });
    const net = await this.runtime.exec(["network", "exists", networkName(leaseId)]);
    if (this.runtime.kind === "docker" || net.code !== 0) {
      const created = await this.runtime.exec(networkCreateArgs(leaseId, this.runtime.kind));
      if (created.code !== 0 && !/already exists/i.test(created.stderr))
        throw new RuntimeError(`creating the lease's network failed: ${created.stderr.trim()}`);
    }
    await this.fence(leaseId);
    await this.prepareDisk(leaseId, spec.diskGb);
    await this.step(leaseId, "prepared", `${meta.image}; ${spec.diskGb} GB disk; network ${networkName(leaseId)}`);
    this.deps.log.info(`lease ${leaseId}: workload prepared (${spec.template}, ${meta.image}, ${spec.diskGb} GB at /data, network ${networkName(leaseId)}).`);
    return {
      kind: "container",
      template: spec.template,
      image: meta.image,
      launchSpecHash: meta.launchSpecHash,
      host: this.deps.config.publicHost,
      ports: launchPorts(spec),
      workload: { url: this.statusUrl(leaseId), token: this.leaseToken(leaseId) },
    };
  }

  /** Inserts the lease's fence rules (each once); refuses when iptables is missing, unless the config turns the fence off. */
  private async fence(leaseId: bigint): Promise<void> {
    const { fence } = this.deps.config;
    if (!fence.enabled) return;
    const device =
      this.runtime.kind === "docker"
        ? bridgeName(leaseId)
        : (await this.runtime.ok(["network", "inspect", "--format", "{{.NetworkInterface}}", networkName(leaseId)])).trim();
    if (!/^[\w.-]{1,15}$/.test(device)) throw new RuntimeError(`the lease's network has no bridge device to fence (got "${device}")`);
    for (const rule of fenceRules(leaseId, device, fence.blockedNets)) {
      const [chain, ...spec] = rule;
      const present = await run(fence.iptables, ["-C", chain!, ...spec]);
      if (present.code === 0) continue;
      if (present.code === -1)
        throw new RuntimeError(
          `${fence.iptables} is missing, so the lease's container could reach the host and 169.254.169.254; install iptables or set workloads.fence.enabled to false if you fence the bridges another way (${present.stderr})`,
        );
      await checked(fence.iptables, ["-I", chain!, "1", ...spec]);
    }
  }

  private async unfence(leaseId: bigint): Promise<void> {
    const { fence } = this.deps.config;
    if (!fence.enabled) return;
    // Found by the lease's comment, so this works after the network (and its device name) is gone.
    const tag = `--comment gridlease-lease-${leaseId} `;
    for (const chain of ["INPUT", "FORWARD"]) {
      const listed = await runOut(fence.iptables, ["-S", chain]);
      if (listed.code !== 0) throw new RuntimeError(`${fence.iptables} -S ${chain} failed: ${listed.stderr.trim()}`);
      for (const line of listed.stdout.split("\n").filter((l) => l.startsWith(`-A ${chain} `) && `${l} `.includes(tag))) {
        await checked(fence.iptables, ["-D", ...line.slice(3).split(" ")]);
      }
    }
  }

  private async prepareDisk(leaseId: bigint, diskGb: number): Promise<void> {
    const dir = this.leaseDir(leaseId);
    const data = path.join(dir, "data");
    await mkdir(data, { recursive: true, mode: 0o700 });
    if (this.deps.config.disk !== "loop") return;
    if ((await run("mountpoint", ["-q", data])).code === 0) return;
    const image = path.join(dir, "disk.img");
    // A sparse file: the booked size is a ceiling, not space taken up front.
    await checked("truncate", ["-s", `${diskGb}G`, image]);
    await checked("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", image]);
    await checked("mount", ["-o", "loop,nosuid,nodev", image, data]);
  }

  /** Starts pulling and starting the container unless this process already did (or adopts a running one after a restart). */
  ensureLaunched(lease: WorkloadLease): void {
    const key = lease.leaseId.toString();
    const entry = this.entries.get(key);
    if (entry) {
      if (Date.now() - entry.refreshedAt > REFRESH_MS && !this.launching.has(key)) void this.refresh(lease.leaseId, entry).catch(() => {});
      return;
    }
    if (this.launching.has(key)) return;
    const meta: WorkloadMeta = { template: lease.spec.template, image: this.imageOf(lease.spec), launchSpecHash: launchSpecHash(lease.spec) };
    const fresh: Entry = { ...meta, state: "preparing", exitCode: null, error: null, removeAt: null, endpoints: [], refreshedAt: 0 };
    this.entries.set(key, fresh);
    const work = this.launch(lease, fresh).finally(() => this.launching.delete(key));
    this.launching.set(key, work);
  }

  /** Waits for an in-flight launch (tests and shutdown). */
  async settled(leaseId: bigint): Promise<void> {
    await this.launching.get(leaseId.toString());
  }

  private async launch(lease: WorkloadLease, entry: Entry): Promise<void> {
    const { leaseId, spec } = lease;
    const { log, config } = this.deps;
    const name = containerName(leaseId);
    try {
      const existing = await this.runtime.exec(["container", "inspect", name]);
      if (existing.code === 0) {
        log.info(`lease ${leaseId}: container ${name} exists (agent restart); watching it.`);
        await this.refresh(leaseId, entry);
        return;
      }
      const present = await this.runtime.exec(this.runtime.kind === "podman" ? ["image", "exists", entry.image] : ["image", "inspect", entry.image]);
      if (present.code === 0) {
        log.info(`lease ${leaseId}: image ${entry.image} is present locally; not pulling.`);
        await this.step(leaseId, "pull-skipped", entry.image);
      } else {
        entry.state = "pulling";
        log.info(`lease ${leaseId}: pulling ${entry.image}…`);
        const started = Date.now();
        await this.runtime.ok(["pull", entry.image], config.pullTimeoutSeconds * 1000);
        await this.step(leaseId, "pulled", `${entry.image} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      entry.state = "starting";
      await this.prepareDisk(leaseId, spec.diskGb);
      const id = (await this.runtime.ok(runArgs(this.plan(lease, entry.image), this.runtime.kind))).trim();
      await this.step(leaseId, "started", id.slice(0, 12));
      log.info(`lease ${leaseId}: container ${name} started (${id.slice(0, 12)}).`);
      await this.refresh(leaseId, entry);
    } catch (error) {
      entry.state = "failed";
      entry.error = `The workload could not be started: ${(error as Error).message}`;
      log.error(`lease ${leaseId}: ${entry.error}`);
      await this.step(leaseId, "failed", (error as Error).message).catch(() => {});
    }
  }

  private plan(lease: WorkloadLease, image: string) {
    const { config } = this.deps;
    const share = lease.offer.gpuCount > 0 ? lease.gpus / lease.offer.gpuCount : 1;
    // The runtime refuses more CPUs than the host has; an offer listing more is capped rather than failing the lease.
    const cpus = lease.offer.cpuCores > 0 ? Math.min(os.cpus().length, Math.max(0.1, Math.round(lease.offer.cpuCores * share * 100) / 100)) : undefined;
    const memoryMb = lease.offer.ramGb > 0 ? Math.max(64, Math.floor(lease.offer.ramGb * 1024 * share)) : undefined;
    const ssh = launchTemplate(lease.spec.template).ssh;
    return {
      leaseId: lease.leaseId,
      image,
      env: { ...lease.spec.env, ...(ssh ? { SSH_PUBLIC_KEY: lease.sshPublicKey } : {}) },
      command: launchCommand(lease.spec),
      containerPorts: launchPorts(lease.spec),
      bindAddress: config.bindAddress,
      network: networkName(lease.leaseId),
      gpuIndices: lease.gpuIndices,
      gpuAccess: config.gpuAccess ?? (config.runtime === "podman" ? "cdi" : "gpus"),
      cpus,
      memoryMb,
      dataDir: path.join(this.leaseDir(lease.leaseId), "data"),
      ssh,
    } as const;
  }

  /** Reads the container's state and published ports; journals an exit once. */
  private async refresh(leaseId: bigint, entry: Entry): Promise<void> {
    entry.refreshedAt = Date.now();
    if (entry.state === "closing" || entry.state === "removed" || entry.state === "failed") return;
    const inspected = await this.runtime.exec(["container", "inspect", containerName(leaseId)]);
    if (inspected.code !== 0) return;
    const [info] = JSON.parse(inspected.stdout) as {
      State: { Status: string; Running: boolean; ExitCode: number };
      NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
    }[];
    if (!info) return;
    const ports = info.NetworkSettings?.Ports ?? {};
    entry.endpoints = Object.entries(ports).flatMap(([key, bindings]) =>
      (bindings ?? []).slice(0, 1).map((b) => ({ containerPort: Number(key.split("/")[0]), host: this.deps.config.publicHost, hostPort: Number(b.HostPort) })),
    );
    if (info.State.Running) entry.state = "running";
    else if (info.State.Status === "exited" || info.State.Status === "stopped") {
      if (entry.state !== "exited") {
        entry.state = "exited";
        entry.exitCode = info.State.ExitCode;
        await this.step(leaseId, "exited", `code ${info.State.ExitCode}`);
        this.deps.log.info(`lease ${leaseId}: container exited with code ${info.State.ExitCode}.`);
      }
    } else entry.state = "starting";
  }

  /** Status, endpoints and the last `lines` log lines; undefined for a lease this agent never prepared. */
  async status(leaseId: bigint, lines = this.deps.config.logLines): Promise<WorkloadStatus | undefined> {
    const key = leaseId.toString();
    let entry = this.entries.get(key);
    const journaled = this.deps.journal.stateOf(leaseId);
    if (!entry) {
      const meta = await readFile(this.metaPath(leaseId), "utf8").then(
        (t) => JSON.parse(t) as WorkloadMeta,
        () => undefined,
      );
      if (!meta) return undefined;
      const state = journaled.deprovisioned || journaled.workloadStep === "removed" ? "removed" : journaled.workloadStep === "failed" ? "failed" : "starting";
      // Not kept: after a restart, the lease handler's next pass adopts or launches the container (ensureLaunched).
      entry = { ...meta, state, exitCode: null, error: null, removeAt: journaled.graceUntil ?? null, endpoints: [], refreshedAt: 0 };
    }
    if (Date.now() - entry.refreshedAt > REFRESH_MS / 2 && !this.launching.has(key)) await this.refresh(leaseId, entry);
    let logs: string[] = [];
    if (entry.state !== "removed" && entry.state !== "preparing" && entry.state !== "pulling") {
      const result = await this.runtime.exec(["logs", "--tail", String(Math.min(Math.max(1, lines), 1000)), containerName(leaseId)]).catch(() => undefined);
      // The runtime writes the container's stdout to its stdout and its stderr to its stderr; both are the renter's log.
      if (result?.code === 0)
        logs = `${result.stdout}${result.stderr}`
          .split("\n")
          .filter((l) => l.length > 0)
          .slice(-lines)
          .map((l) => l.slice(0, MAX_LOG_LINE));
    }
    return {
      leaseId: key,
      state: entry.state,
      exitCode: entry.exitCode,
      error: entry.error,
      template: entry.template,
      image: entry.image,
      launchSpecHash: entry.launchSpecHash,
      endpoints: entry.state === "removed" ? [] : entry.endpoints,
      logs,
      removeAt: entry.removeAt,
    };
  }

  /** Lease ids this process has a workload entry for (the provider's list). */
  leaseIds(): bigint[] {
    return [...this.entries.keys()].map(BigInt);
  }

  /**
   * Removes the container, its network and its data. With `graceSeconds`, the first call starts the
   * export grace (journaled, so a restart keeps the same end) and returns false until it is over.
   */
  async remove(leaseId: bigint, reason: string, graceSeconds = 0): Promise<boolean> {
    const key = leaseId.toString();
    const { log } = this.deps;
    await this.launching.get(key);
    const entry = this.entries.get(key);
    const journaled = this.deps.journal.stateOf(leaseId);
    if (graceSeconds > 0) {
      let until = journaled.graceUntil;
      if (!until) {
        until = new Date(Date.now() + graceSeconds * 1000).toISOString();
        await this.step(leaseId, "grace-started", until);
        log.info(`lease ${leaseId}: ${reason}; the container and its data stay until ${until} for export, then are removed.`);
      }
      if (entry) {
        entry.state = "closing";
        entry.removeAt = until;
      }
      if (Date.now() < Date.parse(until)) return false;
    }
    const name = containerName(leaseId);
    // Killed at once: the grace for export is over (or there is none); Podman would otherwise wait 10 s for a PID 1 that ignores SIGTERM.
    const removed = await this.runtime.exec(["rm", "--force", "--volumes", ...(this.runtime.kind === "podman" ? ["--time", "0"] : []), name]);
    if (removed.code !== 0 && !/no such container|no container with name/i.test(removed.stderr))
      throw new RuntimeError(`removing ${name} failed: ${removed.stderr.trim()}`);
    const net = await this.runtime.exec(["network", "rm", networkName(leaseId)]);
    if (net.code !== 0 && !/not found|no such network|unable to find/i.test(net.stderr))
      throw new RuntimeError(`removing network ${networkName(leaseId)} failed: ${net.stderr.trim()}`);
    await this.unfence(leaseId);
    const data = path.join(this.leaseDir(leaseId), "data");
    if ((await run("mountpoint", ["-q", data])).code === 0) await checked("umount", [data]);
    await rm(this.leaseDir(leaseId), { recursive: true, force: true });
    await this.step(leaseId, "removed", reason);
    if (entry) {
      entry.state = "removed";
      entry.endpoints = [];
    }
    log.info(`lease ${leaseId}: container ${name}, its network and its data removed (${reason}).`);
    return true;
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", (error) => resolve({ code: -1, stderr: error.message }));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

function runOut(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", (error) => resolve({ code: -1, stdout, stderr: error.message }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function checked(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await run(command, args);
  if (code !== 0) throw new RuntimeError(`${command} ${args.join(" ")} failed: ${stderr.trim() || `exit ${code}`}`);
}
