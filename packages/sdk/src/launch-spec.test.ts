import { describe, expect, it } from "vitest";
import { checkLaunchSpec, launchCommand, launchPorts, launchSpecHash, LAUNCH_TEMPLATE_IDS, MAX_ENV_BYTES } from "./launch-spec";
import { checkLeaseRequest } from "./lease-request";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function problemOf(input: unknown) {
  const result = checkLaunchSpec(input);
  if (!result.problem) throw new Error(`expected a problem, got ${JSON.stringify(result.spec)}`);
  return result.problem;
}

describe("launch spec", () => {
  it("offers the four required templates", () => {
    expect(LAUNCH_TEMPLATE_IDS).toEqual(expect.arrayContaining(["linux-ssh", "pytorch-jupyter", "openai-inference", "custom"]));
  });

  it("accepts a template with env, ports, command and disk, and fills the defaults", () => {
    const { spec } = checkLaunchSpec({ template: "pytorch-jupyter", env: { JUPYTER_TOKEN: "s3cret" }, ports: [8888, 6006], command: "echo hi", diskGb: 50 });
    expect(spec).toEqual({ template: "pytorch-jupyter", env: { JUPYTER_TOKEN: "s3cret" }, ports: [8888, 6006], command: "echo hi", diskGb: 50 });
    const plain = checkLaunchSpec({ template: "linux-ssh" }).spec!;
    expect(plain.diskGb).toBe(20);
    expect(launchPorts(plain)).toEqual([22]);
    expect(launchCommand(plain)).toBeUndefined();
    expect(launchCommand(checkLaunchSpec({ template: "openai-inference" }).spec!)).toContain("vllm.entrypoints.openai.api_server");
  });

  it("accepts a custom image pinned by digest, with or without a registry, port and tag", () => {
    for (const image of [`registry.example.com:5000/team/model:v1@${DIGEST}`, `busybox@${DIGEST}`, `ghcr.io/a-b/c_d.e@${DIGEST}`]) {
      expect(checkLaunchSpec({ template: "custom", image }).spec?.image).toBe(image);
    }
  });

  it.each([
    [{ template: "windows" }, "template", "Template: unknown template; choose one of linux-ssh, pytorch-jupyter, openai-inference, custom."],
    [{ template: "custom" }, "image", "Image: the custom template needs an image reference (registry/name@sha256:<digest>)."],
    [{ template: "custom", image: `UPPER/case@${DIGEST}` }, "image", "Image: not a valid image reference (registry/name:tag@sha256:<64 hex digits>)."],
    [{ template: "custom", image: "busybox; rm -rf /" }, "image", "Image: not a valid image reference (registry/name:tag@sha256:<64 hex digits>)."],
    [{ template: "custom", image: "busybox@sha256:abc" }, "image", "Image: not a valid image reference (registry/name:tag@sha256:<64 hex digits>)."],
    [
      { template: "custom", image: "docker.io/library/busybox:1.36" },
      "image",
      "Image: pin the image by digest: add @sha256:<64 hex digits> so the provider runs exactly the image you chose.",
    ],
    [{ template: "linux-ssh", image: `busybox@${DIGEST}` }, "image", "Image: an image is named only with the custom template."],
    [{ template: "linux-ssh", ports: [0] }, "ports.0", "Ports (port 1): a port is a whole number from 1 to 65535."],
    [{ template: "linux-ssh", ports: [22, 70000] }, "ports.1", "Ports (port 2): a port is a whole number from 1 to 65535."],
    [{ template: "linux-ssh", ports: [22, 8.5] }, "ports.1", "Ports (port 2): a port is a whole number from 1 to 65535."],
    [{ template: "linux-ssh", ports: [22, 22] }, "ports", "Ports: a port is listed twice."],
    [{ template: "linux-ssh", ports: Array.from({ length: 17 }, (_, i) => 1000 + i) }, "ports", "Ports: at most 16 ports."],
    [
      { template: "linux-ssh", env: { "1BAD": "x" } },
      "env.1BAD",
      "Environment (1BAD): environment variable names are letters, digits and _, not starting with a digit.",
    ],
    [
      { template: "linux-ssh", env: { LD_PRELOAD: "/x.so" } },
      "env.LD_PRELOAD",
      "Environment (LD_PRELOAD): this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH).",
    ],
    [
      { template: "linux-ssh", env: { NVIDIA_VISIBLE_DEVICES: "all" } },
      "env.NVIDIA_VISIBLE_DEVICES",
      "Environment (NVIDIA_VISIBLE_DEVICES): this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH).",
    ],
    [
      { template: "linux-ssh", env: { NVIDIA_DRIVER_CAPABILITIES: "all" } },
      "env.NVIDIA_DRIVER_CAPABILITIES",
      "Environment (NVIDIA_DRIVER_CAPABILITIES): this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH).",
    ],
    [{ template: "linux-ssh", env: { BIG: "x".repeat(MAX_ENV_BYTES) } }, "env", "Environment: the environment variables exceed 8 KiB in total."],
    [
      { template: "linux-ssh", env: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, "1"])) },
      "env",
      "Environment: at most 64 environment variables.",
    ],
    [{ template: "linux-ssh", diskGb: 0 }, "diskGb", "Disk size: the disk size is at least 1 GB."],
    [{ template: "linux-ssh", diskGb: 5000 }, "diskGb", "Disk size: the disk size is at most 4096 GB."],
    [{ template: "linux-ssh", diskGb: 1.5 }, "diskGb", "Disk size: the disk size is a whole number of GB from 1 to 4096."],
    [{ template: "linux-ssh", command: "x".repeat(5000) }, "command", "Start command: the start command is longer than 4096 characters."],
    [{ template: "linux-ssh", privileged: true }, "privileged", 'Launch spec: unknown field "privileged".'],
  ])("refuses %j at %s with a sentence", (input, field, message) => {
    expect(problemOf(input)).toEqual({ field, message });
  });

  it("hashes the canonical spec: key order does not matter, any change does", () => {
    const a = checkLaunchSpec({ template: "custom", image: `busybox@${DIGEST}`, env: { A: "1", B: "2" }, ports: [80] }).spec!;
    const b = checkLaunchSpec({ ports: [80], env: { B: "2", A: "1" }, image: `busybox@${DIGEST}`, template: "custom" }).spec!;
    expect(launchSpecHash(a)).toBe(launchSpecHash(b));
    expect(launchSpecHash(a)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(launchSpecHash({ ...a, ports: [81] })).not.toBe(launchSpecHash(a));
  });

  it("is part of the lease request: a bad spec makes the request invalid, naming the field", () => {
    const base = { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFrZQ== me", renterEncryptionKey: `0x${"09".repeat(32)}` };
    expect(checkLeaseRequest({ ...base, launch: { template: "linux-ssh", ports: [99999] } }).problem).toBe(
      "launch.ports.0: a port is a whole number from 1 to 65535",
    );
    expect(checkLeaseRequest({ ...base, launch: { template: "linux-ssh" } }).request?.launch?.diskGb).toBe(20);
  });
});
