import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { checkLaunchSpec, type LaunchSpecInput } from "@gridlease/sdk/launch-spec";
import { Journal } from "../src/journal";
import type { Logger } from "../src/log";
import { WorkloadManager, type WorkloadLease } from "../src/workloads/manager";
import { execFileSync, spawn } from "node:child_process";
import { bridgeName, fenceRules, runArgs, type ContainerPlan } from "../src/workloads/runtime";
import { StatusServer } from "../src/workloads/status-server";
import { podmanMissing, startTestPodman, type TestPodman } from "./helpers/podman";

const PLAN: ContainerPlan = {
  leaseId: 7n,
  image: `registry.example.com/team/model@sha256:${"ab".repeat(32)}`,
  env: { MODEL: "llama", QUOTE: "a b; $(rm -rf /)" },
  command: "echo hi && sleep 1",
  containerPorts: [8000, 22],
  bindAddress: "0.0.0.0",
  network: "gridlease-lease-7",
  gpuIndices: [2, 5],
  gpuAccess: "cdi",
  cpus: 16,
  memoryMb: 131072,
  dataDir: "/var/lib/gridlease/workloads/lease-7/data",
  ssh: false,
};

describe("container run arguments (recorded argv; no GPU here)", () => {
  it("gives a Podman container its GPUs as CDI devices, the offer's CPU/RAM share, the disk, published ports, and no privileges", () => {
    const args = runArgs(PLAN, "podman");
    const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
    expect(pairs("--device")).toEqual(["nvidia.com/gpu=2", "nvidia.com/gpu=5"]);
    expect(args).not.toContain("--gpus");
    expect(pairs("--cpus")).toEqual(["16"]);
    expect(pairs("--memory")).toEqual(["131072m"]);
    expect(pairs("--publish")).toEqual(["0.0.0.0::8000", "0.0.0.0::22"]);
    expect(pairs("--security-opt")).toEqual(["no-new-privileges"]);
    expect(pairs("--cap-drop")).toEqual(["ALL"]);
    expect(pairs("--cap-add")).not.toContain("SYS_ADMIN");
    expect(pairs("--cap-add")).not.toContain("SYS_CHROOT");
    expect(pairs("--network")).toEqual(["gridlease-lease-7"]);
    expect(pairs("--volume")).toEqual(["/var/lib/gridlease/workloads/lease-7/data:/data:Z"]);
    // Renter text stays one argv entry each, after the flags the agent wrote.
    expect(pairs("--env")).toEqual(["MODEL=llama", "QUOTE=a b; $(rm -rf /)"]);
    expect(args.slice(-3)).toEqual(['["/bin/sh","-c"]', PLAN.image, "echo hi && sleep 1"]);
    expect(args).not.toContain("--privileged");
  });

  it("uses Docker's --gpus with the lease's device list, and sshd's two extra capabilities only for the SSH template", () => {
    const args = runArgs({ ...PLAN, gpuAccess: "gpus", ssh: true, command: undefined }, "docker");
    expect(args[args.indexOf("--gpus") + 1]).toBe('"device=2,5"');
    expect(args).not.toContain("--device");
    expect(args.filter((_a, i) => args[i - 1] === "--cap-add")).toEqual(expect.arrayContaining(["SYS_CHROOT", "AUDIT_WRITE"]));
    expect(args.at(-1)).toBe(PLAN.image);
    expect(args).not.toContain("--entrypoint");
    expect(args[args.indexOf("--volume") + 1]).toBe("/var/lib/gridlease/workloads/lease-7/data:/data");
  });

  it("fences each lease's bridge: replies and the runtime's DNS in, nothing else to the host, nothing forwarded to metadata", () => {
    expect(bridgeName(7n)).toBe("glease7");
    expect(bridgeName(2n ** 64n).length).toBeLessThanOrEqual(15);
    const rules = fenceRules(7n, "glease7", ["169.254.0.0/16", "10.0.0.0/8"]).map((r) => r.join(" "));
    const tag = "-m comment --comment gridlease-lease-7";
    expect(rules).toEqual([
      `INPUT -i glease7 ${tag} -j DROP`,
      `INPUT -i glease7 -p udp --dport 53 ${tag} -j ACCEPT`,
      `INPUT -i glease7 -p tcp --dport 53 ${tag} -j ACCEPT`,
      `INPUT -i glease7 -m conntrack --ctstate ESTABLISHED,RELATED ${tag} -j ACCEPT`,
      `FORWARD -i glease7 -d 169.254.0.0/16 ${tag} -j DROP`,
      `FORWARD -i glease7 -d 10.0.0.0/8 ${tag} -j DROP`,
    ]);
  });

  it("gives no GPU flags when the host has none configured", () => {
    const args = runArgs({ ...PLAN, gpuAccess: "none" }, "podman");
    expect(args).not.toContain("--device");
    expect(args).not.toContain("--gpus");
  });
});

/**
 * The first line of an HTTP answer from ip:port, or nothing within 3 s. busybox nc, not wget: the
 * static busybox's wget crashes in glibc's resolver inside the image, which would look like "unreachable".
 */
const httpProbe = (ip: string, port: number) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port} | head -n 1 | tr -d '\\r'`;

const reason = podmanMissing;
if (reason) console.warn(`[agent tests] container tests skipped: ${reason}`);

describe.skipIf(!!reason)("container provisioner with real Podman (runc)", () => {
  let dir: string;
  let podman: TestPodman;
  let journal: Journal;
  let manager: WorkloadManager;
  let server: StatusServer;
  let statusPort: number;
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(`INFO ${m}`), warn: (m) => lines.push(`WARN ${m}`), error: (m) => lines.push(`ERROR ${m}`) };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-containers-"));
    podman = await startTestPodman(dir);
    journal = await Journal.open(path.join(dir, "state"));
    manager = new WorkloadManager({
      config: {
        ...podman.workloads,
        publicHost: "127.0.0.1",
        bindAddress: "127.0.0.1",
        statusApi: { host: "127.0.0.1", port: 0 },
        templateImages: { "linux-ssh": podman.tag },
        gpuAccess: "none",
        disk: "loop",
        exportGraceSeconds: 1,
        pullTimeoutSeconds: 20,
        logLines: 50,
        fence: { enabled: true, iptables: "iptables", blockedNets: ["169.254.0.0/16"] },
      },
      stateDir: path.join(dir, "state"),
      journal,
      log,
      secret: new Uint8Array(32).fill(7),
      chainId: 31337,
      escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    });
    server = new StatusServer(manager, log);
    statusPort = await server.listen("127.0.0.1", 0);
    manager.statusPort = statusPort;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await journal?.close();
    await podman?.cleanup();
  });

  const lease = (leaseId: bigint, launch: LaunchSpecInput): WorkloadLease => ({
    leaseId,
    gpuIndices: [],
    gpus: 1,
    offer: { gpuCount: 8, cpuCores: 8, ramGb: 8 },
    spec: checkLaunchSpec(launch).spec!,
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop",
  });

  /** Prepares and launches a lease's container and waits until the launch has settled (running, exited or failed). */
  async function launched(leaseId: bigint, launch: LaunchSpecInput): Promise<WorkloadLease> {
    const l = lease(leaseId, launch);
    await manager.prepare(l);
    manager.ensureLaunched(l);
    await manager.settled(leaseId);
    return l;
  }

  async function statusOf(leaseId: bigint, token = manager.leaseToken(leaseId)) {
    const response = await fetch(`http://127.0.0.1:${statusPort}/leases/${leaseId}/workload?lines=20`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & {
        state?: string;
        logs?: string[];
        endpoints?: { hostPort: number }[];
        exitCode?: number | null;
        error?: string | null;
      },
    };
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it("runs a pinned custom image: skips the pull, reports running, the known log line and an endpoint that answers; removal takes the container, network and disk", async () => {
    const served = lease(1n, {
      template: "custom",
      image: podman.image,
      ports: [8080],
      env: { GREETING: "hello-from-lease-1" },
      command: 'echo "$GREETING"; exec httpd -f -p 8080 -h /www',
      diskGb: 1,
    });
    const access = await manager.prepare(served);
    expect(access).toMatchObject({
      kind: "container",
      template: "custom",
      image: podman.image,
      ports: [8080],
      workload: { url: `http://127.0.0.1:${statusPort}/leases/1/workload`, token: manager.leaseToken(1n) },
    });
    manager.ensureLaunched(served);
    await manager.settled(1n);
    expect(lines).toContain(`INFO lease 1: image ${podman.image} is present locally; not pulling.`);
    const running = await until("running with the log line", async () => {
      const { body } = await statusOf(1n);
      return body.state === "running" && body.logs?.includes("hello-from-lease-1") && body;
    });
    expect(running.endpoints).toEqual([{ containerPort: 8080, host: "127.0.0.1", hostPort: expect.any(Number) }]);
    const page = await fetch(`http://127.0.0.1:${running.endpoints![0]!.hostPort}/`);
    expect(await page.text()).toBe("served from the lease container\n");

    // The disk is the booked size, mounted at /data.
    const df = podman.podman("exec", "gridlease-lease-1", "df", "-k", "/data").trim().split("\n").at(-1)!.split(/\s+/);
    expect(Number(df[1])).toBeGreaterThan(900_000);
    expect(Number(df[1])).toBeLessThan(1_100_000);
    // No privileges: no-new-privileges set, the bounding set without SYS_ADMIN (bit 21), NET_RAW (13) or MKNOD (27).
    const procStatus = podman.podman("exec", "gridlease-lease-1", "cat", "/proc/self/status");
    expect(procStatus).toMatch(/NoNewPrivs:\s+1/);
    const bounding = BigInt(`0x${/CapBnd:\s+([0-9a-f]+)/.exec(procStatus)![1]}`);
    for (const bit of [21n, 13n, 27n]) expect(bounding & (1n << bit)).toBe(0n);
    // The agent's own environment does not reach the container.
    const env = podman.podman("exec", "gridlease-lease-1", "env");
    expect(env).toContain("GREETING=hello-from-lease-1");
    expect(env).not.toMatch(/CONTAINERS_CONF|GRIDLEASE_PASSPHRASE|VITEST/);

    // Wrong or missing tokens read nothing, and a wrong token looks the same for a lease that does not exist.
    expect((await statusOf(1n, manager.leaseToken(2n))).status).toBe(401);
    expect((await statusOf(99n, manager.leaseToken(2n))).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${statusPort}/leases/1/workload`)).status).toBe(401);
    expect((await statusOf(1n, manager.providerToken())).body.state).toBe("running");

    const dataDir = path.join(dir, "state", "workloads", "lease-1");
    expect(existsSync(path.join(dataDir, "disk.img"))).toBe(true);
    expect(await manager.remove(1n, "the lease was closed (CancelledByRenter)")).toBe(true);
    expect(() => podman.podman("container", "inspect", "gridlease-lease-1")).toThrow();
    expect(podman.podman("network", "ls", "--format", "{{.Name}}")).not.toContain("gridlease-lease-1");
    expect(existsSync(dataDir)).toBe(false);
    expect(await readFile("/proc/mounts", "utf8")).not.toContain(dataDir);
    expect((await statusOf(1n)).body).toMatchObject({ state: "removed", endpoints: [] });
    const steps = (await readFile(journal.filePath, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.leaseId === "1")
      .map((r) => r.step);
    expect(steps).toEqual(["prepared", "pull-skipped", "started", "removed"]);
  });

  it("keeps a second lease's container from the first one's files, processes and network", async () => {
    const first = lease(2n, {
      template: "custom",
      image: podman.image,
      ports: [8080],
      command: "echo secret-of-lease-2 > /data/secret; echo secret > /tmp/secret; exec httpd -f -p 8080 -h /www",
      diskGb: 1,
    });
    const second = lease(3n, { template: "linux-ssh", command: "exec sleep 300", diskGb: 1 });
    await manager.prepare(first);
    await manager.prepare(second);
    manager.ensureLaunched(first);
    manager.ensureLaunched(second);
    await Promise.all([manager.settled(2n), manager.settled(3n)]);
    await until("both running", async () => (await statusOf(2n)).body.state === "running" && (await statusOf(3n)).body.state === "running");
    const firstIp = podman.podman("container", "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "gridlease-lease-2").trim();
    expect(firstIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const look = (cmd: string) => podman.podman("exec", "gridlease-lease-3", "sh", "-c", cmd).trim();
    expect(look("ls -A /data; cat /tmp/secret 2>/dev/null; echo end")).toBe("lost+found\nend"); // its own empty disk
    // Process names only (a command line would match the grep itself): lease 2's httpd is not among them.
    expect(look("ps -o comm | grep -cx httpd || true")).toBe("0");
    expect(podman.podman("exec", "gridlease-lease-2", "sh", "-c", "ps -o comm | grep -cx httpd || true").trim()).toBe("1");
    // The probe works (lease 2 reaches its own server on that address); lease 3 does not reach it.
    expect(podman.podman("exec", "gridlease-lease-2", "sh", "-c", httpProbe(firstIp, 8080)).trim()).toBe("HTTP/1.1 200 OK");
    expect(look(httpProbe(firstIp, 8080))).toBe("");
    // The first lease sees its own file (the check above is not vacuous).
    expect(podman.podman("exec", "gridlease-lease-2", "cat", "/data/secret").trim()).toBe("secret-of-lease-2");
    await manager.remove(2n, "test done");
    await manager.remove(3n, "test done");
  }, 60_000);

  it("keeps a lease's container from the host's services (fenced bridge) and rules out metadata; an unfenced network would reach the host", async () => {
    // In its own process: the podman calls below are synchronous and would block a server in this one.
    const hostService = spawn(
      process.execPath,
      ["-e", 'const s = require("node:http").createServer((q, r) => r.end("host service\\n")).listen(0, "0.0.0.0", () => console.log(s.address().port))'],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const port = await new Promise<number>((resolve) => hostService.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    try {
      await launched(8n, { template: "custom", image: podman.image, command: "exec sleep 300", diskGb: 1 });
      const gateway = podman.podman("network", "inspect", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}", "gridlease-lease-8").trim();
      expect(podman.podman("exec", "gridlease-lease-8", "sh", "-c", httpProbe(gateway, port)).trim()).toBe("");
      const device = podman.podman("network", "inspect", "--format", "{{.NetworkInterface}}", "gridlease-lease-8").trim();
      const metadataRule = ["-C", "FORWARD", "-i", device, "-d", "169.254.0.0/16", "-m", "comment", "--comment", "gridlease-lease-8", "-j", "DROP"];
      expect(() => execFileSync("iptables", metadataRule, { stdio: "ignore" })).not.toThrow();
      // The same probe from a container on a plain network reaches the host: the fence is what stops it.
      podman.podman("network", "create", "gridlease-unfenced");
      const plainGateway = podman.podman("network", "inspect", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}", "gridlease-unfenced").trim();
      const open = podman.podman("run", "--rm", "--network", "gridlease-unfenced", podman.tag, "sh", "-c", httpProbe(plainGateway, port)).trim();
      podman.podman("network", "rm", "gridlease-unfenced");
      expect(open).toBe("HTTP/1.1 200 OK");
      await manager.remove(8n, "test done");
      expect(() => execFileSync("iptables", metadataRule, { stdio: "ignore" })).toThrow();
      expect(execFileSync("iptables", ["-S"], { encoding: "utf8" })).not.toContain("gridlease-lease-8");
    } finally {
      hostService.kill();
    }
  }, 60_000);

  it("reports an exit with its code, and a failed pull as a sentence", async () => {
    await launched(4n, { template: "custom", image: podman.image, command: "echo bye; exit 3", diskGb: 1 });
    const exited = await until("exited", async () => {
      const { body } = await statusOf(4n);
      return body.state === "exited" && body;
    });
    expect(exited).toMatchObject({ exitCode: 3, logs: ["bye"] });

    await launched(5n, { template: "custom", image: `localhost:1/nowhere/image@sha256:${"cd".repeat(32)}`, diskGb: 1 });
    const failed = (await statusOf(5n)).body;
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatch(/^The workload could not be started: podman pull localhost:1\/nowhere\/image@sha256:c+d.* failed \(exit \d+\): /);
    await manager.remove(4n, "test done");
    await manager.remove(5n, "test done");
  }, 60_000);

  it("after an agent restart, adopts a running container instead of starting a second one", async () => {
    const running = await launched(9n, { template: "custom", image: podman.image, command: "echo first start; exec sleep 300", diskGb: 1 });
    const restarted = new WorkloadManager({ ...(manager as unknown as { deps: ConstructorParameters<typeof WorkloadManager>[0] }).deps });
    // Before the handler's next pass, the status is read from the runtime.
    expect((await restarted.status(9n))?.state).toBe("running");
    restarted.ensureLaunched(running);
    await restarted.settled(9n);
    expect(lines).toContain("INFO lease 9: container gridlease-lease-9 exists (agent restart); watching it.");
    expect((await restarted.status(9n))?.logs).toEqual(["first start"]);
    expect(podman.podman("ps", "-a", "--filter", "name=gridlease-lease-9", "--format", "{{.ID}}").trim().split("\n")).toHaveLength(1);
    await restarted.remove(9n, "test done");
  }, 60_000);

  it("keeps a lease that ended by time for the export grace, then removes it", async () => {
    await launched(6n, { template: "custom", image: podman.image, command: "exec sleep 300", diskGb: 1 });
    expect(await manager.remove(6n, "the lease ended", 1)).toBe(false);
    expect((await statusOf(6n)).body).toMatchObject({ state: "closing", removeAt: expect.stringMatching(/^\d{4}-/) });
    podman.podman("container", "inspect", "gridlease-lease-6");
    await new Promise((r) => setTimeout(r, 1100));
    expect(await manager.remove(6n, "the lease ended", 1)).toBe(true);
    expect(() => podman.podman("container", "inspect", "gridlease-lease-6")).toThrow();
  }, 60_000);
});
