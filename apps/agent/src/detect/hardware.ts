import os from "node:os";
import { statfs } from "node:fs/promises";
import { gpuModelFromSmiName, type GpuModel } from "@gridlease/sdk/gpus";
import { readNvidiaSmi, NvidiaSmiError, type SmiGpu } from "./nvidia-smi";
import { AgentError } from "../errors";

/** GPUs of one model on this host; one group becomes one offer. */
export interface GpuGroup {
  smiName: string;
  /** Marketplace model, undefined when the card is not in the SDK's GPU table (it cannot be listed). */
  model?: GpuModel;
  count: number;
  /** Per GPU, as listed: the model's nominal size (nvidia-smi reports slightly less, e.g. 81559 MiB on an 80 GB H100). */
  vramGb: number;
  memoryMiB: number;
  indices: number[];
  uuids: string[];
}

export interface HardwareReport {
  gpus: SmiGpu[];
  groups: GpuGroup[];
  driverVersion?: string;
  cudaVersion?: string;
  /** Why no GPUs were found, in a sentence (nvidia-smi missing or failing). */
  gpuProblem?: string;
  cpuCores: number;
  ramGb: number;
  diskGb: number;
}

export function groupGpus(gpus: SmiGpu[]): GpuGroup[] {
  const groups = new Map<string, GpuGroup>();
  for (const gpu of [...gpus].sort((a, b) => a.index - b.index)) {
    const existing = groups.get(gpu.name);
    if (existing) {
      existing.count += 1;
      existing.indices.push(gpu.index);
      existing.uuids.push(gpu.uuid);
      existing.memoryMiB = Math.min(existing.memoryMiB, gpu.memoryMiB);
      continue;
    }
    const model = gpuModelFromSmiName(gpu.name);
    groups.set(gpu.name, {
      smiName: gpu.name,
      model,
      count: 1,
      vramGb: model?.vramGb ?? Math.round(gpu.memoryMiB / 1024),
      memoryMiB: gpu.memoryMiB,
      indices: [gpu.index],
      uuids: [gpu.uuid],
    });
  }
  return [...groups.values()];
}

export interface DetectOptions {
  nvidiaSmi?: string;
  diskPath?: string;
  env?: NodeJS.ProcessEnv;
}

const GIB = 1024 ** 3;

/** A host fact the agent cannot read, in one sentence that names the fix. */
export class HardwareError extends AgentError {
  readonly code = "hardware";
}

async function diskOf(diskPath: string) {
  try {
    return await statfs(diskPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist on this host" : `cannot be read (${code ?? (error as Error).message})`;
    throw new HardwareError(`offer.diskPath ${diskPath} ${why}: set offer.diskPath in the config to the filesystem renters' data lives on (for example "/").`);
  }
}

export async function detectHardware(options: DetectOptions = {}): Promise<HardwareReport> {
  const disk = await diskOf(options.diskPath ?? "/");
  const host = {
    cpuCores: os.availableParallelism(),
    // RAM in GiB (what `free -g` shows); disks are sold in decimal GB, so disk uses 10^9.
    ramGb: Math.round(os.totalmem() / GIB),
    diskGb: Math.floor((Number(disk.blocks) * Number(disk.bsize)) / 1e9),
  };
  try {
    const smi = await readNvidiaSmi(options.nvidiaSmi, options.env);
    return {
      ...host,
      gpus: smi.gpus,
      groups: groupGpus(smi.gpus),
      driverVersion: smi.gpus[0]?.driverVersion,
      cudaVersion: smi.cudaVersion,
      gpuProblem: smi.gpus.length === 0 ? "nvidia-smi ran but reported no GPUs." : undefined,
    };
  } catch (error) {
    if (!(error instanceof NvidiaSmiError)) throw error;
    return { ...host, gpus: [], groups: [], gpuProblem: error.message };
  }
}
