import { z } from "zod";

/**
 * Sort orders; each has one natural direction (cheapest first, biggest/most reliable/newest first;
 * `sla`: fewest settled outages first, i.e. the fewest leases closed as ProviderOffline).
 */
export const SEARCH_SORTS = ["price", "price_per_tflop", "vram", "reliability", "newest", "sla"] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

const USDC_DECIMALS = 6;

/** Values of the `online` search parameter. */
export const ONLINE_MODES = ["only", "any"] as const;

/** Accepts one value or a repeated/comma-separated list (query strings), returns a de-duplicated array. */
const stringList = (max: number, itemMax: number) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) => [
      ...new Set(
        (Array.isArray(value) ? value : [value])
          .flatMap((v) => v.split(","))
          .map((v) => v.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().max(itemMax, `each value must be at most ${itemMax} characters`)).max(max, `at most ${max} values`));

const minimum = (max: number) => z.coerce.number().int("must be a whole number").min(0, "must be 0 or more").max(max, `must be at most ${max}`).optional();

/**
 * A USDC amount as typed ("2.5"); stays a decimal string so that parsing an already parsed query
 * (the web page parses, then calls searchOffers, which parses again) changes nothing.
 */
const usdcAmount = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, "must be a USDC amount like 2.50 (at most 6 decimals)"));

/** "2.5" (USDC) → "2500000" (token base units). */
export function usdcToBaseUnits(value: string): string {
  const [whole, fraction = ""] = value.split(".");
  return (BigInt(whole!) * 10n ** BigInt(USDC_DECIMALS) + BigInt(fraction.padEnd(USDC_DECIMALS, "0") || "0")).toString();
}

const booleanFlag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", ""])])
  .transform((value) => value === true || value === "true" || value === "1" || value === "");

/** The offer search query shared by /api/offers and the web search page (parses URL params or JSON). */
export const offerSearchQuerySchema = z.object({
  chainId: z.coerce.number().int().positive().optional(),
  gpu: stringList(32, 32).optional(),
  region: stringList(32, 32).optional(),
  minGpus: minimum(65_535),
  minVramGb: minimum(65_535),
  minCpuCores: minimum(65_535),
  minRamGb: minimum(4_294_967_295),
  minDiskGb: minimum(4_294_967_295),
  minBandwidthMbps: minimum(4_294_967_295),
  /** USDC per GPU-hour, e.g. "2.50". */
  maxPricePerGpuHour: usdcAmount.optional(),
  minReliability: z.coerce.number().min(0, "must be between 0 and 100").max(100, "must be between 0 and 100").optional(),
  /**
   * SLA history: at most this many of the provider's outage reports settled (leases closed as
   * ProviderOffline, provider.outages_settled); 0 = providers that never went dark on a lease.
   */
  maxSettledOutages: z.coerce.number().int("must be a whole number").min(0, "must be 0 or more").max(2_147_483_647, "must be at most 2147483647").optional(),
  availableNow: booleanFlag.optional(),
  /**
   * Proof of GPU (issue 21): only offers whose latest check by a trusted checker passed within
   * GPU_CHECK_VALID_SECONDS for their model and count (packages/db/src/gpu-checks.ts).
   */
  verified: booleanFlag.optional(),
  /**
   * "only" (default): offers whose provider is online (a heartbeat within ONLINE_WINDOW_SECONDS);
   * "any": offline providers' offers too. Offline offers cannot be served, so they are hidden unless asked for.
   */
  online: z.enum(ONLINE_MODES, { error: `must be one of ${ONLINE_MODES.join(", ")}` }).default("only"),
  sort: z.enum(SEARCH_SORTS).default("price"),
  limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(25),
  cursor: z
    .string()
    .max(200, "is too long")
    .regex(/^[A-Za-z0-9_-]+$/, "is not a cursor returned by this API")
    .optional(),
});

/** Same query, refusing unknown parameters (the public API uses this so typos are 400s, not silently ignored). */
export const strictOfferSearchQuerySchema = offerSearchQuerySchema.strict();

export type OfferSearchQueryInput = z.input<typeof offerSearchQuerySchema>;
export type OfferSearchQuery = z.output<typeof offerSearchQuerySchema>;

/** Filters that can exclude offers, named as in the query (used by "why nothing matched"). */
export const FILTER_KEYS = [
  "gpu",
  "region",
  "minGpus",
  "minVramGb",
  "minCpuCores",
  "minRamGb",
  "minDiskGb",
  "minBandwidthMbps",
  "maxPricePerGpuHour",
  "minReliability",
  "availableNow",
  "online",
  "maxSettledOutages",
  "verified",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
