import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { AgentError } from "../errors";

const execFileAsync = promisify(execFile);

/** The fields the agent asks for; the header nvidia-smi prints for them is checked on parse. */
export const QUERY_FIELDS = ["index", "name", "uuid", "memory.total", "driver_version", "pci.bus_id"] as const;
export const QUERY_ARGS = [`--query-gpu=${QUERY_FIELDS.join(",")}`, "--format=csv"] as const;

export interface SmiGpu {
  index: number;
  name: string;
  uuid: string;
  memoryMiB: number;
  driverVersion: string;
  pciBusId: string;
}

export class NvidiaSmiError extends AgentError {
  readonly code = "nvidia_smi";
}

const rowSchema = z.object({
  index: z.coerce.number().int().nonnegative(),
  name: z.string().min(1),
  uuid: z.string().regex(/^(GPU|MIG)-[0-9a-fA-F-]+$/, "expected a GPU UUID such as GPU-6c2f8e8a-..."),
  "memory.total [MiB]": z.string().regex(/^\d+ MiB$/, "expected a size such as '81559 MiB'"),
  driver_version: z.string().min(1),
  "pci.bus_id": z.string().min(1),
});

/** Parses `nvidia-smi --query-gpu=<QUERY_FIELDS> --format=csv` (with its unit-annotated header line). */
export function parseQueryGpuCsv(csv: string): SmiGpu[] {
  const records: Record<string, string>[] = parse(csv, { columns: true, trim: true, skip_empty_lines: true });
  return records.map((record, row) => {
    const parsed = rowSchema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new NvidiaSmiError(`nvidia-smi CSV row ${row + 1} is not understood (${issue.path.join(".")}: ${issue.message}).`);
    }
    const r = parsed.data;
    return {
      index: r.index,
      name: r.name,
      uuid: r.uuid,
      memoryMiB: Number.parseInt(r["memory.total [MiB]"], 10),
      driverVersion: r.driver_version,
      pciBusId: r["pci.bus_id"],
    };
  });
}

/** The CUDA version is only printed in the banner of plain `nvidia-smi` ("CUDA Version: 12.4"). */
export function parseCudaVersion(banner: string): string | undefined {
  return /CUDA Version:\s*([0-9]+(?:\.[0-9]+)*)/.exec(banner)?.[1];
}

export interface SmiReport {
  gpus: SmiGpu[];
  cudaVersion?: string;
}

/** Runs nvidia-smi (found on PATH unless `binary` is given) and returns what it reports. */
export async function readNvidiaSmi(binary = "nvidia-smi", env: NodeJS.ProcessEnv = process.env): Promise<SmiReport> {
  const run = async (args: readonly string[]) => {
    try {
      const { stdout } = await execFileAsync(binary, args, { env, timeout: 30_000, maxBuffer: 4 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; code?: string | number };
      if (failure.code === "ENOENT") {
        throw new NvidiaSmiError(
          `nvidia-smi was not found (looked for "${binary}" on PATH), so no NVIDIA GPUs can be detected; install the NVIDIA driver on this host.`,
        );
      }
      const said = `${failure.stdout ?? ""}${failure.stderr ?? ""}`.trim() || failure.message;
      throw new NvidiaSmiError(`nvidia-smi failed (exit code ${String(failure.code)}): ${said}`);
    }
  };
  const gpus = parseQueryGpuCsv(await run(QUERY_ARGS));
  const cudaVersion = parseCudaVersion(await run([]));
  return { gpus, cudaVersion };
}
