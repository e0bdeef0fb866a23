import { describe, expect, it } from "vitest";
import path from "node:path";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { runCli } from "./helpers/agent-process";
import { detectHardware, groupGpus } from "../src/detect/hardware";
import { parseCudaVersion, parseQueryGpuCsv, NvidiaSmiError } from "../src/detect/nvidia-smi";

const fixtures = path.join(import.meta.dirname, "fixtures");
const fakeSmi = path.join(fixtures, "bin", "nvidia-smi");

function detectFixture(host: string) {
  return detectHardware({ nvidiaSmi: fakeSmi, env: { ...process.env, GRIDLEASE_SMI_FIXTURE: path.join(fixtures, "nvidia-smi", host) } });
}

/** Published specs of each recorded card: NVIDIA datasheets and what the driver reports for them. */
const expected = {
  "h100-sxm-8x": {
    driver: "535.129.03",
    cuda: "12.2",
    groups: [{ model: "H100-SXM", count: 8, vramGb: 80, memoryMiB: 81559, indices: [0, 1, 2, 3, 4, 5, 6, 7] }],
  },
  "a100-sxm4-80gb-8x": {
    driver: "550.54.15",
    cuda: "12.4",
    groups: [{ model: "A100-SXM-80G", count: 8, vramGb: 80, memoryMiB: 81920, indices: [0, 1, 2, 3, 4, 5, 6, 7] }],
  },
  "rtx4090-1x": { driver: "560.35.03", cuda: "12.6", groups: [{ model: "RTX4090", count: 1, vramGb: 24, memoryMiB: 24564, indices: [0] }] },
  "mixed-rtx4090-a6000": {
    driver: "550.120",
    cuda: "12.4",
    groups: [
      { model: "RTX4090", count: 2, vramGb: 24, memoryMiB: 24564, indices: [0, 1] },
      { model: "A6000", count: 2, vramGb: 48, memoryMiB: 49140, indices: [2, 3] },
    ],
  },
} as const;

describe("detect on recorded nvidia-smi output", () => {
  for (const [host, spec] of Object.entries(expected)) {
    it(`reports ${host} as the real cards' specs`, async () => {
      const report = await detectFixture(host);
      expect(report.gpuProblem).toBeUndefined();
      expect(report.driverVersion).toBe(spec.driver);
      expect(report.cudaVersion).toBe(spec.cuda);
      expect(report.groups.map((g) => ({ model: g.model?.id, count: g.count, vramGb: g.vramGb, memoryMiB: g.memoryMiB, indices: g.indices }))).toEqual(
        spec.groups,
      );
      expect(report.gpus).toHaveLength(spec.groups.reduce((n, g) => n + g.count, 0));
      for (const gpu of report.gpus) expect(gpu.uuid).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  }

  it("keeps a card that is not in the marketplace table, without a model", async () => {
    const report = await detectFixture("gtx1080ti-unlisted");
    expect(report.cudaVersion).toBe("11.4");
    expect(report.groups).toEqual([
      expect.objectContaining({ smiName: "NVIDIA GeForce GTX 1080 Ti", model: undefined, count: 1, vramGb: 11, memoryMiB: 11264 }),
    ]);
  });

  it("explains in a sentence when the driver is not loaded", async () => {
    const report = await detectFixture("driver-not-loaded");
    expect(report.groups).toEqual([]);
    expect(report.gpuProblem).toMatch(/nvidia-smi failed \(exit code 9\): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  });

  it("explains in a sentence when nvidia-smi is absent, and still reports the host", async () => {
    const report = await detectHardware({ nvidiaSmi: "nvidia-smi-that-does-not-exist" });
    expect(report.gpus).toEqual([]);
    expect(report.gpuProblem).toBe(
      'nvidia-smi was not found (looked for "nvidia-smi-that-does-not-exist" on PATH), so no NVIDIA GPUs can be detected; install the NVIDIA driver on this host.',
    );
    expect(report.cpuCores).toBeGreaterThan(0);
    expect(report.ramGb).toBeGreaterThan(0);
    expect(report.diskGb).toBeGreaterThan(0);
  });
});

describe("nvidia-smi parsers", () => {
  it("reads the CUDA version from each banner format (470, 535, 550 drivers)", async () => {
    for (const [host, cuda] of [
      ["gtx1080ti-unlisted", "11.4"],
      ["h100-sxm-8x", "12.2"],
      ["rtx4090-1x", "12.6"],
    ]) {
      expect(parseCudaVersion(await readFile(path.join(fixtures, "nvidia-smi", host, "nvidia-smi.txt"), "utf8"))).toBe(cuda);
    }
    expect(parseCudaVersion("no banner here")).toBeUndefined();
  });

  it("rejects CSV without units or with the wrong columns, naming the problem", () => {
    expect(() => parseQueryGpuCsv("index, name, uuid, memory.total [MiB], driver_version, pci.bus_id\n0, X, GPU-1, 81559, 535.1, 0:0\n")).toThrow(
      /row 1 .*memory\.total \[MiB\]: expected a size such as '81559 MiB'/,
    );
    expect(() => parseQueryGpuCsv("name, memory.total [MiB]\nNVIDIA H100 80GB HBM3, 81559 MiB\n")).toThrow(NvidiaSmiError);
  });

  it("groups GPUs by model in index order even when nvidia-smi lists them out of order", () => {
    const gpu = (index: number, name: string) => ({ index, name, uuid: `GPU-${index}`, memoryMiB: 24564, driverVersion: "550.120", pciBusId: "" });
    const groups = groupGpus([gpu(3, "NVIDIA GeForce RTX 4090"), gpu(0, "NVIDIA GeForce RTX 4090"), gpu(1, "NVIDIA RTX A6000")]);
    expect(groups.map((g) => [g.model?.id, g.indices])).toEqual([
      ["RTX4090", [0, 3]],
      ["A6000", [1]],
    ]);
  });
});

describe("gridlease-agent detect (the command)", () => {
  const env = (host: string) => ({
    ...process.env,
    // The recorded nvidia-smi is found on PATH, as the real one would be.
    PATH: `${path.join(fixtures, "bin")}:${process.env.PATH}`,
    GRIDLEASE_SMI_FIXTURE: path.join(fixtures, "nvidia-smi", host),
  });

  it("prints the hardware and the listing a mixed host would publish", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-detect-"));
    const config = path.join(dir, "agent.json");
    await writeFile(
      config,
      JSON.stringify({
        offer: { region: "us-west", pricePerGpuHour: { RTX4090: "0.39", A6000: "0.49" } },
        provision: { command: "/bin/true" },
        deprovision: { command: "/bin/true" },
      }),
    );
    const { code, stdout } = await runCli(["-c", config, "detect"], env("mixed-rtx4090-a6000"));
    expect(code).toBe(0);
    expect(stdout).toContain("GPUs (driver 550.120, CUDA 12.4):");
    expect(stdout).toContain("2× NVIDIA GeForce RTX 4090 24GB [RTX4090], 24 GB each (nvidia-smi: 24564 MiB), GPU index 0,1");
    expect(stdout).toContain("2× NVIDIA RTX A6000 48GB [A6000], 48 GB each (nvidia-smi: 49140 MiB), GPU index 2,3");
    expect(stdout).toMatch(/2× RTX4090 \(24 GB VRAM each\), \d+ CPU cores?, .*region us-west, 0\.39 USDC per GPU-hour, 1–168 h/);
    expect(stdout).toMatch(/2× A6000 \(48 GB VRAM each\), .*0\.49 USDC per GPU-hour/);
  });

  it("--json gives the same facts to scripts", async () => {
    const { code, stdout } = await runCli(["detect", "--json", "--no-config"], env("h100-sxm-8x"));
    expect(code).toBe(0);
    const { hardware } = JSON.parse(stdout);
    expect(hardware).toMatchObject({ driverVersion: "535.129.03", cudaVersion: "12.2" });
    expect(hardware.groups).toEqual([
      expect.objectContaining({ smiName: "NVIDIA H100 80GB HBM3", count: 8, vramGb: 80, model: expect.objectContaining({ id: "H100-SXM" }) }),
    ]);
  });
});
