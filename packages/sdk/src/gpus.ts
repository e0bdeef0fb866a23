/**
 * GPU models the marketplace knows. `id` is what goes on-chain (bytes32, ASCII) in OfferSpec.gpuModel.
 * `tflops` is dense FP16/BF16 tensor throughput from NVIDIA's datasheets; it drives the
 * "price per TFLOP" sort, so it only has to be consistent across models, not exact to the watt.
 * `int8Tops` is dense INT8 tensor throughput from the same datasheets (half the "with sparsity" figure), 0 where
 * the card has no INT8 tensor cores (V100). Proof of GPU (proof-of-gpu/params.ts) sizes its deadlines from the
 * faster of the two, because its challenge values are small integers that INT8 tensor cores compute exactly.
 * `smiNames` are the `name` strings `nvidia-smi --query-gpu=name` prints for the card.
 */
export interface GpuModel {
  id: string;
  label: string;
  vramGb: number;
  tflops: number;
  int8Tops: number;
  smiNames: readonly string[];
}

export const GPU_MODELS = [
  { id: "H200", label: "NVIDIA H200 141GB", vramGb: 141, tflops: 989, int8Tops: 1979, smiNames: ["NVIDIA H200"] },
  { id: "H100-SXM", label: "NVIDIA H100 SXM 80GB", vramGb: 80, tflops: 989, int8Tops: 1979, smiNames: ["NVIDIA H100 80GB HBM3"] },
  { id: "H100-PCIE", label: "NVIDIA H100 PCIe 80GB", vramGb: 80, tflops: 756, int8Tops: 1513, smiNames: ["NVIDIA H100 PCIe"] },
  { id: "A100-SXM-80G", label: "NVIDIA A100 SXM 80GB", vramGb: 80, tflops: 312, int8Tops: 624, smiNames: ["NVIDIA A100-SXM4-80GB"] },
  { id: "A100-SXM-40G", label: "NVIDIA A100 SXM 40GB", vramGb: 40, tflops: 312, int8Tops: 624, smiNames: ["NVIDIA A100-SXM4-40GB"] },
  { id: "A100-PCIE-80G", label: "NVIDIA A100 PCIe 80GB", vramGb: 80, tflops: 312, int8Tops: 624, smiNames: ["NVIDIA A100 80GB PCIe"] },
  { id: "A100-PCIE-40G", label: "NVIDIA A100 PCIe 40GB", vramGb: 40, tflops: 312, int8Tops: 624, smiNames: ["NVIDIA A100-PCIE-40GB"] },
  { id: "L40S", label: "NVIDIA L40S 48GB", vramGb: 48, tflops: 362, int8Tops: 733, smiNames: ["NVIDIA L40S"] },
  { id: "L4", label: "NVIDIA L4 24GB", vramGb: 24, tflops: 121, int8Tops: 242, smiNames: ["NVIDIA L4"] },
  { id: "RTX6000-ADA", label: "NVIDIA RTX 6000 Ada 48GB", vramGb: 48, tflops: 364, int8Tops: 728, smiNames: ["NVIDIA RTX 6000 Ada Generation"] },
  { id: "A6000", label: "NVIDIA RTX A6000 48GB", vramGb: 48, tflops: 155, int8Tops: 310, smiNames: ["NVIDIA RTX A6000"] },
  { id: "RTX5090", label: "NVIDIA GeForce RTX 5090 32GB", vramGb: 32, tflops: 209, int8Tops: 838, smiNames: ["NVIDIA GeForce RTX 5090"] },
  { id: "RTX4090", label: "NVIDIA GeForce RTX 4090 24GB", vramGb: 24, tflops: 165, int8Tops: 661, smiNames: ["NVIDIA GeForce RTX 4090"] },
  { id: "RTX3090", label: "NVIDIA GeForce RTX 3090 24GB", vramGb: 24, tflops: 71, int8Tops: 284, smiNames: ["NVIDIA GeForce RTX 3090"] },
  { id: "V100", label: "NVIDIA Tesla V100 16GB", vramGb: 16, tflops: 125, int8Tops: 0, smiNames: ["Tesla V100-SXM2-16GB", "Tesla V100-PCIE-16GB"] },
  { id: "T4", label: "NVIDIA Tesla T4 16GB", vramGb: 16, tflops: 65, int8Tops: 130, smiNames: ["Tesla T4"] },
] as const satisfies readonly GpuModel[];

export type GpuModelId = (typeof GPU_MODELS)[number]["id"];

export const GPU_MODEL_IDS = GPU_MODELS.map((m) => m.id) as unknown as readonly [GpuModelId, ...GpuModelId[]];

const byId = new Map<string, GpuModel>(GPU_MODELS.map((m) => [m.id, m]));

export function gpuModelById(id: string): GpuModel | undefined {
  return byId.get(id);
}

/** Maps an `nvidia-smi` name to a known model; undefined when the card is not in the table. */
export function gpuModelFromSmiName(name: string): GpuModel | undefined {
  const wanted = name.trim().toLowerCase();
  return GPU_MODELS.find((m) => m.smiNames.some((n) => n.toLowerCase() === wanted));
}

/** Common region codes for offers (free-form on-chain, these are what the UI suggests). */
export const REGIONS = [
  "us-east",
  "us-west",
  "us-central",
  "ca-central",
  "eu-west",
  "eu-central",
  "eu-north",
  "uk-south",
  "ap-northeast",
  "ap-southeast",
  "ap-south",
  "sa-east",
] as const;
