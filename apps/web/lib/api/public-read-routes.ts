import { addressSchema, chainIdParam, getOfferDetail, getProviderDetail, idSchema, leaseListQuerySchema, listLeases, marketStats } from "@gridlease/db/queries";
import { defaultChainId, InvalidCursorError, strictOfferSearchQuerySchema } from "@gridlease/db/search";
import { checkSignaturesValid, providerCheckHistory, providerFlag } from "@gridlease/db/gpu-checks";
import { z } from "zod";
import { ApiError, JSON_CONTENT_TYPE } from "./errors";
import { ParsedQueries, parseQuery, toJson } from "./handler";
import { offerSearchKey, searchOffersJson } from "./offer-search-cache";
import { jsonAnswer, type ReadRoute } from "./read-route";

export const chainQuerySchema = z.object({ chainId: chainIdParam }).strict();
export const offerParamsSchema = z.object({ id: idSchema });
export const providerParamsSchema = z.object({ address: addressSchema });
export const gpuChecksQuerySchema = z
  .object({
    chainId: chainIdParam,
    limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(500, "must be at most 500").default(50),
  })
  .strict();

/** Validated search queries by query string, with their answer cache key (the same search however it is spelled). */
const offerQueries = new ParsedQueries(strictOfferSearchQuerySchema, (search) => ({ search, cacheKey: offerSearchKey(search) }));

/** /api/stats' JSON per stats object (marketStats hands out the same object until it recomputes). */
const statsJson = new WeakMap<object, string>();

/** The public JSON read API (docs/api.md). Writes and session routes live only in app/api. */
export const publicReadRoutes = {
  /**
   * GET /api/offers — search active offers (filters, sort, cursor pagination, facets, why-nothing).
   * Answers are reused until the indexer or a heartbeat changes the data (offer-search-cache.ts).
   */
  offers: {
    path: "/api/offers",
    async handle({ query }) {
      const { search, cacheKey } = offerQueries.parse(query);
      try {
        const { body, hit } = await searchOffersJson(search, cacheKey);
        return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, "cache-control": "no-store", "x-search-cache": hit ? "hit" : "miss" }, body };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new ApiError(400, "bad_request", error.message, "cursor");
        throw error;
      }
    },
  },
  /** GET /api/offers/{id} — one offer with its provider and price history. */
  offerById: {
    path: "/api/offers/:id",
    async handle({ query, params }) {
      const { id } = offerParamsSchema.parse(params);
      const { chainId } = parseQuery(query, chainQuerySchema);
      const offer = await getOfferDetail(chainId ?? defaultChainId(), id);
      if (!offer) throw new ApiError(404, "not_found", `Offer ${id} does not exist.`, "id");
      return jsonAnswer(offer);
    },
  },
  /** GET /api/providers/{address} — stake, reputation counters, uptime, reliability and offers. */
  provider: {
    path: "/api/providers/:address",
    async handle({ query, params }) {
      const { address } = providerParamsSchema.parse(params);
      const { chainId } = parseQuery(query, chainQuerySchema);
      const provider = await getProviderDetail(chainId ?? defaultChainId(), address);
      if (!provider) throw new ApiError(404, "not_found", `Provider ${address} is not registered.`, "address");
      return jsonAnswer(provider);
    },
  },
  /**
   * GET /api/providers/{address}/gpu-checks — Proof of GPU evidence (issue 21): the provider's latest
   * checks across its offers, newest first, each with its checker's EIP-712 signature and whether it
   * verifies, and whether the provider is flagged. An unknown provider has none (200, empty).
   */
  providerGpuChecks: {
    path: "/api/providers/:address/gpu-checks",
    async handle({ query, params }) {
      const { address } = providerParamsSchema.parse(params);
      const { chainId: requested, limit } = parseQuery(query, gpuChecksQuerySchema);
      const chainId = requested ?? defaultChainId();
      const [checks, flag] = await Promise.all([providerCheckHistory(chainId, address, limit), providerFlag(chainId, address)]);
      const valid = await checkSignaturesValid(chainId, checks);
      return jsonAnswer({ provider: address.toLowerCase(), flag, checks: checks.map((check, i) => ({ ...check, signatureValid: valid[i] })) });
    },
  },
  /** GET /api/leases?renter=0x…|provider=0x…[&status=][&limit=][&cursor=] — newest first. */
  leases: {
    path: "/api/leases",
    handle: async ({ query }) => jsonAnswer(await listLeases(parseQuery(query, leaseListQuerySchema))),
  },
  /** GET /api/stats — market totals, supply and median price per GPU model, indexer position. */
  stats: {
    path: "/api/stats",
    async handle({ query }) {
      const { chainId } = parseQuery(query, chainQuerySchema);
      const stats = await marketStats(chainId ?? defaultChainId());
      let body = statsJson.get(stats);
      if (body === undefined) statsJson.set(stats, (body = toJson(stats)));
      return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, "cache-control": "no-store" }, body };
    },
  },
} satisfies Record<string, ReadRoute>;
