/**
 * The search query language, modelled on Vast's (`vastai search offers 'gpu_name=RTX_4090 num_gpus>=2
 * dph<0.5'`): whitespace-separated conditions `field op value`, op one of < <= == != >= > (= means ==)
 * and `in` / `notin` with a list `[a, b]`. Fields are the offer's (camelCase as in the API, or the
 * snake_case aliases below); strings compare case-insensitively, `_` standing for a space as in Vast.
 */
import type { OfferSearchInput } from "@gridlease/client";
import { CliError } from "./errors";

export type Operator = "<" | "<=" | "==" | "!=" | ">=" | ">" | "in" | "notin";
export type FieldType = "number" | "string" | "boolean" | "usdc" | "id";

export interface FieldInfo {
  key: string;
  type: FieldType;
  aliases: string[];
}

/** Every field of a search hit that a query or a sort may name. `usdc` fields are typed in USDC (2.5) and stored in base units. */
export const FIELDS: FieldInfo[] = [
  { key: "offerId", type: "id", aliases: ["id", "offer_id"] },
  { key: "provider", type: "string", aliases: [] },
  { key: "gpuModel", type: "string", aliases: ["gpu", "gpu_name", "gpu_model", "model"] },
  { key: "gpuCount", type: "number", aliases: ["num_gpus", "gpus", "gpu_count"] },
  { key: "freeUnits", type: "number", aliases: ["free_gpus", "free_units", "free"] },
  { key: "vramGb", type: "number", aliases: ["vram", "gpu_ram", "vram_gb"] },
  { key: "cpuCores", type: "number", aliases: ["cpu_cores", "cpus"] },
  { key: "ramGb", type: "number", aliases: ["ram", "ram_gb", "cpu_ram"] },
  { key: "diskGb", type: "number", aliases: ["disk", "disk_gb", "disk_space"] },
  { key: "bandwidthMbps", type: "number", aliases: ["bandwidth", "inet", "bandwidth_mbps", "inet_down"] },
  { key: "region", type: "string", aliases: ["geolocation", "location"] },
  { key: "pricePerGpuHour", type: "usdc", aliases: ["price", "dph", "price_per_gpu_hour"] },
  { key: "pricePerTflop", type: "number", aliases: ["price_per_tflop", "dlperf_per_dphtotal"] },
  { key: "minHours", type: "number", aliases: ["min_hours"] },
  { key: "maxHours", type: "number", aliases: ["max_hours", "duration"] },
  { key: "status", type: "string", aliases: [] },
  { key: "listedBlock", type: "id", aliases: ["listed_block"] },
  { key: "providerReliability", type: "number", aliases: ["reliability", "reliability2"] },
  { key: "providerUptime7d", type: "number", aliases: ["uptime", "uptime_7d"] },
  { key: "providerOnline", type: "boolean", aliases: ["online"] },
];

const BY_NAME = new Map<string, FieldInfo>();
for (const field of FIELDS) for (const name of [field.key, ...field.aliases]) BY_NAME.set(name.toLowerCase(), field);

export class QueryError extends CliError {
  override readonly code = "query";
}

export function fieldNamed(name: string): FieldInfo {
  const field = BY_NAME.get(name.toLowerCase());
  if (!field) throw new QueryError(`Unknown field "${name}". Fields: ${FIELDS.map((f) => f.key).join(", ")} (and aliases such as gpu_name, num_gpus, dph).`);
  return field;
}

export interface Condition {
  field: FieldInfo;
  op: Operator;
  /** Typed values: one for comparisons, one or more for in/notin. */
  values: (number | string | boolean | bigint)[];
}

const CONDITION = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|=|<|>|\s(?:notin|in)\s)\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s[\]]+)\s*/y;

function unquote(text: string): string {
  const t = text.trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/** A USDC amount "2.5" as base units (6 decimals), exactly. */
export function usdcToUnits(text: string): bigint {
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(text)) throw new QueryError(`"${text}" is not a USDC amount like 2.50 (at most 6 decimals).`);
  const [whole, fraction = ""] = text.split(".");
  return BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
}

function typed(field: FieldInfo, raw: string): number | string | boolean | bigint {
  const text = unquote(raw);
  switch (field.type) {
    case "number": {
      const value = Number(text);
      if (text === "" || !Number.isFinite(value)) throw new QueryError(`${field.key}: "${text}" is not a number.`);
      return value;
    }
    case "usdc":
      return usdcToUnits(text);
    case "id":
      if (!/^\d{1,78}$/.test(text)) throw new QueryError(`${field.key}: "${text}" is not a whole number.`);
      return BigInt(text);
    case "boolean":
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      throw new QueryError(`${field.key}: "${text}" is not true or false.`);
    default:
      return text.replace(/_/g, " ").toLowerCase();
  }
}

/** Parses a query such as `gpu in [H100-SXM,A100] num_gpus>=2 dph<2.5`; throws QueryError naming the part at fault. */
export function parseQuery(text: string): Condition[] {
  const conditions: Condition[] = [];
  CONDITION.lastIndex = 0;
  const source = text.trim();
  let at = 0;
  while (at < source.length) {
    CONDITION.lastIndex = at;
    const match = CONDITION.exec(source);
    if (!match) throw new QueryError(`Cannot read the query at "${source.slice(at)}": write field op value, op one of < <= == != >= > in notin.`);
    at = CONDITION.lastIndex;
    const field = fieldNamed(match[1]!);
    const rawOp = match[2]!.trim();
    const op = (rawOp === "=" ? "==" : rawOp) as Operator;
    const rawValue = match[3]!;
    if (op === "in" || op === "notin") {
      if (!rawValue.startsWith("[")) throw new QueryError(`${field.key} ${op}: give a list like [a, b].`);
      const items = rawValue
        .slice(1, -1)
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      if (items.length === 0) throw new QueryError(`${field.key} ${op}: the list is empty.`);
      conditions.push({ field, op, values: items.map((v) => typed(field, v)) });
    } else {
      if (rawValue.startsWith("[")) throw new QueryError(`${field.key} ${op}: a list needs in or notin.`);
      if (field.type === "boolean" && op !== "==" && op !== "!=") throw new QueryError(`${field.key}: compare with == or != only.`);
      conditions.push({ field, op, values: [typed(field, rawValue)] });
    }
  }
  return conditions;
}

/** The hit's value of a field, typed like the query's values (strings lower-cased, USDC and ids as bigint). */
export function hitValue(hit: Record<string, unknown>, field: FieldInfo): number | string | boolean | bigint | null {
  const raw = hit[field.key];
  if (raw === null || raw === undefined) return null;
  switch (field.type) {
    case "usdc":
    case "id":
      return BigInt(raw as string);
    case "number":
      return Number(raw);
    case "boolean":
      return Boolean(raw);
    default:
      return String(raw).toLowerCase();
  }
}

function compare(a: number | string | boolean | bigint, b: number | string | boolean | bigint): number {
  if (typeof a === "bigint" || typeof b === "bigint") {
    const x = BigInt(a as bigint),
      y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" || typeof b === "string") return String(a).localeCompare(String(b));
  return Number(a) - Number(b);
}

function valuesEqual(hit: Record<string, unknown>, field: FieldInfo, actual: ReturnType<typeof hitValue>, wanted: Condition["values"][number]): boolean {
  if (actual === null) return false;
  // A GPU also matches by its label ("RTX 4090" for RTX4090), as Vast's gpu_name=RTX_4090 does.
  if (field.key === "gpuModel" && typeof hit.gpuLabel === "string" && hit.gpuLabel.toLowerCase() === wanted) return true;
  return compare(actual, wanted) === 0;
}

export function matches(hit: Record<string, unknown>, conditions: Condition[]): boolean {
  return conditions.every(({ field, op, values }) => {
    const actual = hitValue(hit, field);
    switch (op) {
      case "in":
        return values.some((v) => valuesEqual(hit, field, actual, v));
      case "notin":
        return !values.some((v) => valuesEqual(hit, field, actual, v));
      case "==":
        return valuesEqual(hit, field, actual, values[0]!);
      case "!=":
        return !valuesEqual(hit, field, actual, values[0]!);
      default: {
        if (actual === null) return false;
        const c = compare(actual, values[0]!);
        return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
      }
    }
  });
}

export interface SortKey {
  field: FieldInfo;
  descending: boolean;
}

/** `price`, `price-` (descending, Vast's suffix), `price+`, `price:desc`, `-price`; comma-separated for ties. */
export function parseSort(text: string): SortKey[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(-)?([A-Za-z_][A-Za-z0-9_]*)(?:([-+])|:(asc|desc))?$/.exec(part);
      if (!m) throw new QueryError(`Cannot read the sort "${part}": write field, field- (descending) or field:desc.`);
      return { field: fieldNamed(m[2]!), descending: m[1] === "-" || m[3] === "-" || m[4] === "desc" };
    });
}

export function sortHits<T extends Record<string, unknown>>(hits: T[], keys: SortKey[]): T[] {
  return [...hits].sort((a, b) => {
    for (const { field, descending } of keys) {
      const x = hitValue(a, field),
        y = hitValue(b, field);
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1; // missing values last either way
        continue;
      }
      const c = compare(x, y);
      if (c !== 0) return descending ? -c : c;
    }
    return compare(BigInt(a.offerId as string), BigInt(b.offerId as string));
  });
}

/**
 * The API filters that narrow the fetch without changing the answer: each is implied by a condition,
 * and every condition is still applied to what comes back (matches()).
 */
export function apiFilters(conditions: Condition[]): OfferSearchInput {
  const api: Record<string, unknown> = {};
  const min: Record<string, string> = {
    gpuCount: "minGpus",
    vramGb: "minVramGb",
    cpuCores: "minCpuCores",
    ramGb: "minRamGb",
    diskGb: "minDiskGb",
    bandwidthMbps: "minBandwidthMbps",
    providerReliability: "minReliability",
  };
  for (const { field, op, values } of conditions) {
    const name = min[field.key];
    if (name && (op === ">=" || op === "==" || op === ">")) {
      const floor = Math.ceil(Number(values[0]));
      // minReliability is a percentage (0–100) and may be fractional; the others are whole numbers.
      const bound = field.key === "providerReliability" ? Number(values[0]) : floor;
      if (bound >= 0) api[name] = Math.max(Number(api[name] ?? 0), bound);
    }
    if (field.key === "pricePerGpuHour" && (op === "<=" || op === "<" || op === "==")) {
      const units = values[0] as bigint;
      api.maxPricePerGpuHour = `${units / 1_000_000n}.${(units % 1_000_000n).toString().padStart(6, "0")}`;
    }
    if (field.key === "providerOnline" && values[0] === false && op === "==") api.online = "any";
    if (field.key === "providerOnline" && values[0] === true && op === "!=") api.online = "any";
  }
  return api as OfferSearchInput;
}
