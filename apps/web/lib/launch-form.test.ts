import { describe, expect, it } from "vitest";
import { launchSpecHash } from "@gridlease/sdk/launch-spec";
import { launchFromFields } from "./launch-form";

const DIGEST = `sha256:${"0f".repeat(32)}`;

describe("launchFromFields (booking form)", () => {
  it("turns the typed fields into the spec the agent receives, with its hash", () => {
    const result = launchFromFields({
      template: "custom",
      image: ` ghcr.io/me/app@${DIGEST} `,
      env: "A=1\n\nB=x=y\r\n",
      ports: "8080, 9090",
      command: "echo hi",
      diskGb: "40",
    });
    expect(result.spec).toEqual({
      template: "custom",
      image: `ghcr.io/me/app@${DIGEST}`,
      env: { A: "1", B: "x=y" },
      ports: [8080, 9090],
      command: "echo hi",
      diskGb: 40,
    });
    expect(result.hash).toBe(launchSpecHash(result.spec!));
    expect(launchFromFields({ template: "linux-ssh" }).spec).toEqual({ template: "linux-ssh", env: {}, diskGb: 20 });
  });

  it.each([
    [{ template: "nope" }, "template", "Template: unknown template; choose one of linux-ssh, pytorch-jupyter, openai-inference, custom."],
    [{ template: "custom", image: "" }, "image", "Image: the custom template needs an image reference (registry/name@sha256:<digest>)."],
    [{ template: "custom", image: "not an image" }, "image", "Image: not a valid image reference (registry/name:tag@sha256:<64 hex digits>)."],
    [
      { template: "custom", image: "ubuntu:24.04" },
      "image",
      "Image: pin the image by digest: add @sha256:<64 hex digits> so the provider runs exactly the image you chose.",
    ],
    [{ template: "linux-ssh", ports: "22, http" }, "ports", 'Ports: "http" is not a port number (1 to 65535).'],
    [{ template: "linux-ssh", ports: "0" }, "ports.0", "Ports (port 1): a port is a whole number from 1 to 65535."],
    [{ template: "linux-ssh", ports: "80 65536" }, "ports.1", "Ports (port 2): a port is a whole number from 1 to 65535."],
    [{ template: "linux-ssh", ports: "80,80" }, "ports", "Ports: a port is listed twice."],
    [{ template: "linux-ssh", env: "JUST_A_NAME" }, "env", "Environment (line 1): write NAME=value, one per line."],
    [{ template: "linux-ssh", env: "A=1\nA=2" }, "env.A", "Environment (A): the variable is set twice."],
    [
      { template: "linux-ssh", env: "LD_PRELOAD=/evil.so" },
      "env.LD_PRELOAD",
      "Environment (LD_PRELOAD): this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH).",
    ],
    [{ template: "linux-ssh", env: `BIG=${"x".repeat(9000)}` }, "env", "Environment: the environment variables exceed 8 KiB in total."],
    [{ template: "linux-ssh", diskGb: "0" }, "diskGb", "Disk size: the disk size is at least 1 GB."],
    [{ template: "linux-ssh", diskGb: "99999" }, "diskGb", "Disk size: the disk size is at most 4096 GB."],
  ])("refuses %j with the sentence for %s", (fields, field, problem) => {
    expect(launchFromFields(fields)).toEqual({ problem, field });
  });
});
