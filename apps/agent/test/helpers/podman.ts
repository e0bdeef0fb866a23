import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, symlink, copyFile, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Real containers for the agent's tests (issue 16): Podman with the runc runtime and a store of its
 * own under the test's folder, so nothing of the machine's Podman state is read or changed. crun
 * fails on this machine's cgroup layout and the default ulimits cannot be applied here, hence the
 * containers.conf. No registry is reachable, so the image is built from the static busybox binary
 * (Debian's busybox-static) with `podman import`.
 */

function has(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A busybox without an ELF interpreter (PT_INTERP) runs in an image that holds nothing else. */
function isStaticElf(file: string): boolean {
  try {
    const elf = readFileSync(file);
    if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false; // 64-bit ELF only
    const phoff = Number(elf.readBigUInt64LE(0x20));
    const size = elf.readUInt16LE(0x36);
    const count = elf.readUInt16LE(0x38);
    for (let i = 0; i < count; i++) if (elf.readUInt32LE(phoff + i * size) === 3) return false;
    return true;
  } catch {
    return false;
  }
}

const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find(isStaticElf);

/** Why the container tests cannot run here, or undefined when they can. */
export const podmanMissing: string | undefined = !has("podman")
  ? "podman is not installed (apt-get install -y podman runc busybox-static; .ci/run does this)"
  : !has("runc")
    ? "runc is not installed (apt-get install -y runc)"
    : !BUSYBOX
      ? "no static busybox to build the test image from (apt-get install -y busybox-static)"
      : process.getuid?.() !== 0
        ? "the container tests run Podman as root (loop-mounted disks, per-lease networks)"
        : undefined;

export interface TestPodman {
  /** For the agent config's `workloads`. */
  workloads: { runtime: "podman"; globalArgs: string[]; env: Record<string, string> };
  /** Runs podman against the test's store; returns stdout. */
  podman(...args: string[]): string;
  /** The test image, pinned by digest (localhost/gridlease-test/busybox@sha256:…). */
  image: string;
  /** The same image by tag (for templateImages). */
  tag: string;
  cleanup(): Promise<void>;
}

const APPLETS = [
  "sh",
  "echo",
  "cat",
  "ls",
  "ps",
  "sleep",
  "httpd",
  "wget",
  "mkdir",
  "id",
  "hostname",
  "df",
  "env",
  "kill",
  "nc",
  "ip",
  "grep",
  "wc",
  "head",
  "true",
  "dd",
  "sync",
  "rm",
  "touch",
  "test",
];

export async function startTestPodman(dir: string): Promise<TestPodman> {
  if (podmanMissing) throw new Error(podmanMissing);
  const root = path.join(dir, "podman");
  await mkdir(path.join(root, "networks"), { recursive: true });
  const conf = path.join(root, "containers.conf");
  await writeFile(
    conf,
    `[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n\n[network]\nnetwork_config_dir = "${path.join(root, "networks")}"\n`,
  );
  // Podman refuses a runroot longer than 50 characters; a test folder under mktemp can be longer.
  const runroot = await mkdtemp(path.join(os.tmpdir().length < 30 ? os.tmpdir() : "/tmp", "glrun-"));
  const globalArgs = ["--root", path.join(root, "storage"), "--runroot", runroot];
  const env = { CONTAINERS_CONF: conf };
  const podman = (...args: string[]) =>
    execFileSync("podman", [...globalArgs, ...args], { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });

  const rootfs = path.join(root, "rootfs");
  for (const d of ["bin", "tmp", "www", "etc", "data"]) await mkdir(path.join(rootfs, d), { recursive: true });
  await copyFile(BUSYBOX!, path.join(rootfs, "bin", "busybox"));
  for (const applet of APPLETS) await symlink("busybox", path.join(rootfs, "bin", applet));
  await writeFile(path.join(rootfs, "www", "index.html"), "served from the lease container\n");
  const tarball = path.join(root, "busybox.tar");
  execFileSync("tar", ["-C", rootfs, "-cf", tarball, "."]);
  const tag = "localhost/gridlease-test/busybox:1";
  podman("import", "--quiet", "--change", 'CMD ["/bin/sh"]', tarball, tag);
  const digest = podman("image", "inspect", "--format", "{{.Digest}}", tag).trim();
  return {
    workloads: { runtime: "podman", globalArgs, env },
    podman,
    image: `localhost/gridlease-test/busybox@${digest}`,
    tag,
    async cleanup() {
      // Each step on its own: a test that failed midway must still leave no container, fence rule or mount behind.
      const attempt = (step: () => void) => {
        try {
          step();
        } catch {
          // best effort; the next step still runs
        }
      };
      attempt(() => {
        for (const id of podman("ps", "-aq").split("\n").filter(Boolean)) attempt(() => podman("rm", "-f", "--time", "0", id));
      });
      attempt(() => {
        for (const net of podman("network", "ls", "--format", "{{.Name}}")
          .split("\n")
          .filter((n) => n.startsWith("gridlease-"))) {
          // A failed test leaves the lease's fence rules; Podman reuses device names, so they would fence a later network.
          attempt(() => {
            const device = podman("network", "inspect", "--format", "{{.NetworkInterface}}", net).trim();
            for (const line of execFileSync("iptables", ["-S"], { encoding: "utf8" }).split("\n")) {
              if (line.startsWith("-A ") && line.includes(` -i ${device} `) && line.includes("--comment gridlease-lease-"))
                execFileSync("iptables", ["-D", ...line.slice(3).split(" ")]);
            }
          });
          attempt(() => podman("network", "rm", "-f", net));
        }
      });
      attempt(() => execFileSync("sh", ["-c", `grep -o '${dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`], { stdio: "ignore" }));
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      await rm(runroot, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * The agent's `workloads` settings for a test or benchmark on this machine: the test podman, every
 * port on loopback, no GPU passthrough (there is none), loop-mounted disks, and no export grace.
 */
export function loopbackWorkloads(podman: TestPodman) {
  return {
    ...podman.workloads,
    publicHost: "127.0.0.1",
    bindAddress: "127.0.0.1",
    statusApi: { host: "127.0.0.1", port: 0 },
    gpuAccess: "none",
    disk: "loop",
    exportGraceSeconds: 0,
  } as const;
}
