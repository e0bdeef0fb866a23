/**
 * What the CLI prints. `--json` output has a schema per command (exported here, checked by the tests),
 * so scripts can rely on it; amounts stay decimal strings in token base units as in the API.
 */
import { z } from "zod";
import { LEASE_STATUS } from "@gridlease/sdk/protocol";
import type { OfferHit } from "./search";

const decimal = z.string().regex(/^\d+$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const offerHitSchema = z.object({
  offerId: decimal,
  provider: address,
  gpuModel: z.string(),
  gpuLabel: z.string().nullable(),
  gpuCount: z.number().int(),
  freeUnits: z.number().int(),
  vramGb: z.number(),
  cpuCores: z.number(),
  ramGb: z.number(),
  diskGb: z.number(),
  bandwidthMbps: z.number(),
  region: z.string(),
  pricePerGpuHour: decimal,
  pricePerTflop: z.number().nullable(),
  minHours: z.number(),
  maxHours: z.number(),
  status: z.string(),
  listedBlock: decimal,
  providerReliability: z.number(),
  providerUptime7d: z.number().nullable(),
  providerLastHeartbeatAt: z.string().nullable(),
  providerOnline: z.boolean(),
});

export const searchOutputSchema = z
  .object({
    offers: z.array(offerHitSchema),
    matched: z.number().int(),
    scanned: z.number().int(),
    truncated: z.boolean(),
  })
  .strict();

export const leaseStatusSchema = z
  .object({
    leaseId: decimal,
    offerId: decimal,
    renter: address,
    provider: address,
    status: z.enum(LEASE_STATUS),
    gpuCount: z.number().int(),
    pricePerGpuHour: decimal,
    startedAt: z.number().int().nullable(),
    endsAt: z.number().int().nullable(),
    deposit: decimal,
    hasAccess: z.boolean(),
  })
  .passthrough();

export const txOutputSchema = z
  .object({
    action: z.string(),
    hash: z.string().regex(/^0x[0-9a-f]{64}$/),
    block: decimal,
  })
  .passthrough();

/** USDC base units as "2.45". */
export function usdc(units: string | bigint): string {
  const value = BigInt(units);
  const whole = value / 1_000_000n;
  const fraction = (value % 1_000_000n)
    .toString()
    .padStart(6, "0")
    .replace(/0{1,4}$/, "");
  return `${whole}.${fraction}`;
}

/** A fixed-width text table: header row, then one row per item; numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) => (typeof c === "number" ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function offersTable(offers: OfferHit[]): string {
  return table(
    ["ID", "GPU", "N", "FREE", "VRAM", "CPU", "RAM", "DISK", "REGION", "USDC/GPU-h", "HOURS", "RELIAB", "ONLINE", "PROVIDER"],
    offers.map((o) => [
      Number(o.offerId) <= Number.MAX_SAFE_INTEGER ? Number(o.offerId) : o.offerId,
      o.gpuLabel ?? o.gpuModel,
      o.gpuCount,
      o.freeUnits,
      o.vramGb,
      o.cpuCores,
      o.ramGb,
      o.diskGb,
      o.region,
      usdc(o.pricePerGpuHour),
      `${o.minHours}-${o.maxHours}`,
      Math.round(o.providerReliability * 10) / 10,
      o.providerOnline ? "yes" : "no",
      `${o.provider.slice(0, 8)}…`,
    ]),
  );
}
