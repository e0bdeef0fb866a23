import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCli } from "./helpers/agent-process";
import { readFile } from "node:fs/promises";
import { GPU_MODEL_IDS } from "@gridlease/sdk/gpus";
import { describeOffers } from "../src/format";

// Issue 12: errors a new provider hits must be one sentence that names the fix, not a stack trace.
const fixtures = path.join(import.meta.dirname, "fixtures");
const env = {
  ...process.env,
  PATH: `${path.join(fixtures, "bin")}:${process.env.PATH}`,
  GRIDLEASE_SMI_FIXTURE: path.join(fixtures, "nvidia-smi", "rtx4090-1x"),
};

async function configWith(offer: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-errors-"));
  const file = path.join(dir, "agent.json");
  await writeFile(
    file,
    JSON.stringify({
      offer: { region: "eu-west", pricePerGpuHour: "0.39", ...offer },
      provision: { command: "/bin/true" },
      deprovision: { command: "/bin/true" },
    }),
  );
  return file;
}

describe("errors a provider can hit", () => {
  it("detect names a missing offer.diskPath and the fix instead of crashing", async () => {
    const config = await configWith({ diskPath: "/var/lib/docker-not-here" });
    const { code, stdout, stderr } = await runCli(["-c", config, "detect"], env);
    expect(stderr.trim()).toBe(
      'offer.diskPath /var/lib/docker-not-here does not exist on this host: set offer.diskPath in the config to the filesystem renters\' data lives on (for example "/").',
    );
    expect(stdout).toBe("");
    expect(code).toBe(1);
  });

  it("list names a missing offer.diskPath too, before asking for the key", async () => {
    const config = await configWith({ diskPath: "/var/lib/docker-not-here" });
    const { code, stderr } = await runCli(["-c", config, "list"], env);
    expect(stderr).toMatch(/^offer\.diskPath \/var\/lib\/docker-not-here does not exist on this host/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(1);
  });

  it("detect -c with a config file that does not exist fails, naming the fix", async () => {
    const missing = path.join(os.tmpdir(), "gridlease-no-such-dir", "agent.json");
    const { code, stderr } = await runCli(["-c", missing, "detect"], env);
    expect(stderr.trim()).toBe(`No config file at ${missing}: copy examples/gridlease-agent.example.json there and edit it, or pass -c <file>.`);
    expect(code).toBe(1);
  });

  it("detect without a config file at the default path previews the hardware and says how to add one", async () => {
    // runCli runs in apps/agent, which has no gridlease-agent.json.
    const { code, stdout } = await runCli(["detect"], env);
    expect(code).toBe(0);
    expect(stdout).toContain("(No config at gridlease-agent.json: add one with offer.region and offer.pricePerGpuHour to preview the listing.)");
  });

  it("counts one CPU core in the singular", () => {
    const text = describeOffers(
      [
        {
          gpuModel: "RTX4090",
          gpuCount: 1,
          vramGb: 24,
          cpuCores: 1,
          ramGb: 8,
          diskGb: 100,
          bandwidthMbps: 100,
          region: "eu-west",
          pricePerGpuHour: 390_000n,
          minHours: 1,
          maxHours: 2,
        },
      ],
      [],
      6,
      "USDC",
    );
    expect(text).toContain("1 CPU core, 8 GiB RAM");
  });

  it("docs/protocol.md names only GPU model ids from the SDK's table", async () => {
    const protocol = await readFile(path.resolve(import.meta.dirname, "../../../docs/protocol.md"), "utf8");
    const line = protocol.split("\n").find((l) => l.includes("bytes32 gpuModel;"))!;
    const ids = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(GPU_MODEL_IDS).toContain(id);
  });
});
