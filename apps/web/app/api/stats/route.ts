import { chainIdParam, marketStats } from "@gridlease/db/queries";
import { defaultChainId } from "@gridlease/db/search";
import { z } from "zod";
import { apiRoute, json, parseSearchParams } from "@/lib/api";

export const dynamic = "force-dynamic";

const querySchema = z.object({ chainId: chainIdParam }).strict();

/** GET /api/stats — market totals, supply and median price per GPU model, indexer position. */
export const GET = apiRoute(async (request) => {
  const { chainId } = parseSearchParams(request, querySchema);
  return json(await marketStats(chainId ?? defaultChainId()), { headers: { "cache-control": "no-store" } });
});
