import { formatUnits } from "viem";
import type { HardwareReport } from "./detect/hardware";
import type { OfferDraft } from "./provider";

export function describeHardware(report: HardwareReport): string {
  const lines: string[] = [];
  if (report.gpuProblem) lines.push(`GPUs: none detected. ${report.gpuProblem}`);
  else {
    lines.push(`GPUs (driver ${report.driverVersion ?? "?"}, CUDA ${report.cudaVersion ?? "unknown"}):`);
    for (const g of report.groups) {
      const model = g.model ? `${g.model.label} [${g.model.id}]` : `${g.smiName} [not in the marketplace table]`;
      lines.push(`  ${g.count}× ${model}, ${g.vramGb} GB each (nvidia-smi: ${g.memoryMiB} MiB), GPU index ${g.indices.join(",")}`);
    }
  }
  lines.push(`CPU cores: ${report.cpuCores}`, `RAM: ${report.ramGb} GiB`, `Disk: ${report.diskGb} GB`);
  return lines.join("\n");
}

export function describeOffers(offers: OfferDraft[], skipped: string[], decimals: number, symbol: string): string {
  if (offers.length === 0) return ["Listing: nothing to list.", ...skipped].join("\n");
  const lines = ["Listing it would publish:"];
  for (const o of offers) {
    lines.push(
      `  ${o.gpuCount}× ${o.gpuModel} (${o.vramGb} GB VRAM each), ${o.cpuCores} CPU core${o.cpuCores === 1 ? "" : "s"}, ${o.ramGb} GiB RAM, ${o.diskGb} GB disk, ${o.bandwidthMbps} Mbps, ` +
        `region ${o.region}, ${formatUnits(o.pricePerGpuHour, decimals)} ${symbol} per GPU-hour, ${o.minHours}–${o.maxHours} h`,
    );
  }
  return [...lines, ...skipped].join("\n");
}
