import { InvalidCursorError, searchOffers, strictOfferSearchQuerySchema } from "@gridlease/db/search";
import { ApiError, apiRoute, json, parseSearchParams } from "@/lib/api";

export const dynamic = "force-dynamic";

/** GET /api/offers — search active offers (filters, sort, cursor pagination, facets, why-nothing). See docs/api.md. */
export const GET = apiRoute(async (request) => {
  const query = parseSearchParams(request, strictOfferSearchQuerySchema);
  try {
    return json(await searchOffers(query), { headers: { "cache-control": "no-store" } });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new ApiError(400, "bad_request", error.message, "cursor");
    throw error;
  }
});
