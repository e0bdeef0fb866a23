import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig, resolveConfig } from "../src/config";
import { draftOffers } from "../src/provider";
import type { HardwareReport } from "../src/detect/hardware";
import { groupGpus } from "../src/detect/hardware";

const minimal = {
  offer: { region: "eu-west", pricePerGpuHour: "2.10" },
  provision: { command: "./provision.sh" },
  deprovision: { command: "/opt/gridlease/deprovision.sh" },
};

describe("config", () => {
  it("fills defaults and resolves paths against the config file's directory", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-config-"));
    await writeFile(path.join(dir, "agent.json"), JSON.stringify(minimal));
    const config = await loadConfig(path.join(dir, "agent.json"));
    expect(config.provision).toEqual({ command: path.join(dir, "provision.sh"), args: [], env: {}, timeoutSeconds: 300 });
    expect(config.deprovision.command).toBe("/opt/gridlease/deprovision.sh");
    expect(config.keyFile).toBe(path.join(dir, "provider-key.json"));
    expect(config.intervals).toEqual({ pollSeconds: 5, heartbeatSeconds: 60, claimSeconds: 3600 });
    expect(config.offer).toMatchObject({ minHours: 1, maxHours: 168, bandwidthMbps: 1000 });
  });

  it("accepts the shipped example config", async () => {
    const example = path.resolve(import.meta.dirname, "../examples/gridlease-agent.example.json");
    const config = await loadConfig(example);
    expect(config.provision.command).toBe(path.resolve(import.meta.dirname, "../examples/provision-docker.sh"));
    expect(config.offer.pricePerGpuHour).toEqual({ RTX4090: "0.39", A6000: "0.49" });
  });

  it("lists every problem with its path", () => {
    const bad = { ...minimal, rpcUrl: "not a url", offer: { region: "eu-west", pricePerGpuHour: "two dollars", minHours: 10, maxHours: 2 } };
    expect(() => resolveConfig(bad, "/")).toThrow(/rpcUrl: .*\n.*offer\.pricePerGpuHour/s);
    expect(() => resolveConfig({ ...minimal, offer: { region: "eu-west", pricePerGpuHour: "1", minHours: 10, maxHours: 2 } }, "/")).toThrow(
      "offer: offer.minHours must not exceed offer.maxHours",
    );
    expect(() => resolveConfig({ ...minimal, offer: { region: "eu-west", pricePerGpuHour: { H999: "1" } } }, "/")).toThrow(/pricePerGpuHour/);
  });
});

describe("draftOffers", () => {
  const gpu = (index: number, name: string, memoryMiB: number) => ({ index, name, uuid: `GPU-${index}`, memoryMiB, driverVersion: "550.120", pciBusId: "" });
  const hardware = (gpus: ReturnType<typeof gpu>[]): HardwareReport => ({ gpus, groups: groupGpus(gpus), cpuCores: 32, ramGb: 256, diskGb: 4000 });

  it("makes one offer per model, splitting the host in proportion to GPU count, priced per model", () => {
    const config = resolveConfig({ ...minimal, offer: { region: "us-east", pricePerGpuHour: { RTX4090: "0.39", A6000: "0.5" } } }, "/");
    const host = hardware([
      gpu(0, "NVIDIA GeForce RTX 4090", 24564),
      gpu(1, "NVIDIA GeForce RTX 4090", 24564),
      gpu(2, "NVIDIA GeForce RTX 4090", 24564),
      gpu(3, "NVIDIA RTX A6000", 49140),
    ]);
    const { offers, skipped } = draftOffers(config, host, 6);
    expect(skipped).toEqual([]);
    expect(offers).toEqual([
      {
        gpuModel: "RTX4090",
        gpuCount: 3,
        vramGb: 24,
        cpuCores: 24,
        ramGb: 192,
        diskGb: 3000,
        bandwidthMbps: 1000,
        region: "us-east",
        pricePerGpuHour: 390_000n,
        minHours: 1,
        maxHours: 168,
      },
      {
        gpuModel: "A6000",
        gpuCount: 1,
        vramGb: 48,
        cpuCores: 8,
        ramGb: 64,
        diskGb: 1000,
        bandwidthMbps: 1000,
        region: "us-east",
        pricePerGpuHour: 500_000n,
        minHours: 1,
        maxHours: 168,
      },
    ]);
  });

  it("skips unlisted cards with a sentence and asks for a missing per-model price", () => {
    const config = resolveConfig({ ...minimal, offer: { region: "us-east", pricePerGpuHour: { A6000: "0.5" } } }, "/");
    const { offers, skipped } = draftOffers(config, hardware([gpu(0, "NVIDIA GeForce GTX 1080 Ti", 11264)]), 6);
    expect(offers).toEqual([]);
    expect(skipped).toEqual(["1× NVIDIA GeForce GTX 1080 Ti is not in the marketplace's GPU table, so it cannot be listed."]);
    expect(() => draftOffers(config, hardware([gpu(0, "NVIDIA GeForce RTX 4090", 24564)]), 6)).toThrow(
      'offer.pricePerGpuHour has no price for RTX4090; add "RTX4090": "<price>" to it.',
    );
  });
});
