import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { runScript } from "../src/scripts";
import { parseScriptJson } from "../src/scripts";
import { scriptEnvironment, type LeaseScriptInput } from "../src/serve/lease-request";

const examples = path.resolve(import.meta.dirname, "../examples");
const canManageUsers = process.getuid?.() === 0 && existsSync("/usr/sbin/useradd");

function leaseInput(leaseId: string, event: LeaseScriptInput["event"]): LeaseScriptInput {
  return {
    event,
    reason: event === "deprovision" ? "the lease ended" : undefined,
    chainId: 31337,
    leaseId,
    offerId: "1",
    provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    renter: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    gpuModel: "RTX4090",
    gpus: 2,
    gpuIndices: [2, 3],
    gpuUuids: ["GPU-e19a4c7f-0b52-d6e8-3a91-7c4f0e2db596", "GPU-5c8b1e3d-a702-4f69-e0d5-b9a63c1f7e20"],
    durationHours: 4,
    pricePerGpuHour: "0.39",
    acceptDeadline: 1_800_000_000,
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop",
  };
}

async function run(script: string, input: LeaseScriptInput, env: Record<string, string> = {}) {
  return runScript({ command: path.join(examples, script), args: [], env, timeoutSeconds: 30 }, input, { env: scriptEnvironment(input) });
}

describe("examples/provision-local-user.sh (run for real; needs root)", () => {
  it.skipIf(!canManageUsers)("creates a user with only the renter's key, is idempotent, and deprovision removes it", async () => {
    const leaseId = String(900_000 + Math.floor(Math.random() * 90_000));
    const user = `gl-lease-${leaseId}`;
    const input = leaseInput(leaseId, "provision");
    try {
      const first = parseScriptJson((await run("provision-local-user.sh", input, { PUBLIC_HOST: "gpu-7.example.net", SSH_PORT: "2222" })).stdout, "provision");
      expect(first).toEqual({ host: "gpu-7.example.net", port: 2222, user, ssh: `ssh -p 2222 ${user}@gpu-7.example.net`, gpuIndices: "2,3" });
      const home = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).split(":")[5];
      const keys = path.join(home, ".ssh/authorized_keys");
      expect(await readFile(keys, "utf8")).toBe(`${input.sshPublicKey}\n`);
      const keyStat = await stat(keys);
      expect(keyStat.mode & 0o777).toBe(0o600);
      expect(keyStat.uid).toBe(Number(execFileSync("id", ["-u", user], { encoding: "utf8" })));
      expect(await readFile(path.join(home, ".gridlease-env"), "utf8")).toBe(`export CUDA_VISIBLE_DEVICES=${input.gpuUuids.join(",")}\n`);
      // A second run (after an agent restart) changes nothing and prints the same access details.
      const second = parseScriptJson((await run("provision-local-user.sh", input, { PUBLIC_HOST: "gpu-7.example.net", SSH_PORT: "2222" })).stdout, "provision");
      expect(second).toEqual(first);
      expect((await readFile(path.join(home, ".bashrc"), "utf8")).match(/gridlease-env/g)).toHaveLength(1);

      await run("deprovision-local-user.sh", leaseInput(leaseId, "deprovision"));
      expect(() => execFileSync("id", [user], { stdio: "ignore" })).toThrow();
      expect(existsSync(home)).toBe(false);
      // Revoking twice is harmless.
      await expect(run("deprovision-local-user.sh", leaseInput(leaseId, "deprovision"))).resolves.toBeDefined();
    } finally {
      try {
        execFileSync("userdel", ["--remove", user], { stdio: "ignore" });
      } catch {
        // already removed
      }
    }
  });
});

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
