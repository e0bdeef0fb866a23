import { InvalidCursorError, strictOfferSearchQuerySchema } from "@gridlease/db/search";
import { ApiError, apiRoute, parseSearchParams } from "@/lib/api";
import { searchOffersJson } from "@/lib/api/offer-search-cache";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * GET /api/offers — search active offers (filters, sort, cursor pagination, facets, why-nothing). See docs/api.md.
 * Answers are reused until the indexer or a heartbeat changes the data (lib/api/offer-search-cache.ts).
 */
export const GET = apiRoute(async (request) => {
  const query = parseSearchParams(request, strictOfferSearchQuerySchema);
  try {
    const { body, hit } = await searchOffersJson(query);
    return new Response(body as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-length": String(body.byteLength),
        "cache-control": "no-store",
        "x-search-cache": hit ? "hit" : "miss",
      },
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new ApiError(400, "bad_request", error.message, "cursor");
    throw error;
  }
});
