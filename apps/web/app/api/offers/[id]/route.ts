import { chainIdParam, getOfferDetail, idSchema } from "@gridlease/db/queries";
import { defaultChainId } from "@gridlease/db/search";
import { z } from "zod";
import { ApiError, apiRoute, json, parseSearchParams } from "@/lib/api";

export const dynamic = "force-dynamic";

const paramsSchema = z.object({ id: idSchema });
const querySchema = z.object({ chainId: chainIdParam }).strict();

/** GET /api/offers/{id} — one offer with its provider and price history. */
export const GET = apiRoute<{ id: string }>(async (request, context) => {
  const { id } = paramsSchema.parse(await context.params);
  const { chainId } = parseSearchParams(request, querySchema);
  const offer = await getOfferDetail(chainId ?? defaultChainId(), id);
  if (!offer) throw new ApiError(404, "not_found", `Offer ${id} does not exist.`, "id");
  return json(offer, { headers: { "cache-control": "no-store" } });
});
