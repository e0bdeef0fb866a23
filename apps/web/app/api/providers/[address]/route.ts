import { addressSchema, chainIdParam, getProviderDetail } from "@gridlease/db/queries";
import { defaultChainId } from "@gridlease/db/search";
import { z } from "zod";
import { ApiError, apiRoute, json, parseSearchParams } from "@/lib/api";

export const dynamic = "force-dynamic";

const paramsSchema = z.object({ address: addressSchema });
const querySchema = z.object({ chainId: chainIdParam }).strict();

/** GET /api/providers/{address} — stake, reputation counters, uptime, reliability and offers. */
export const GET = apiRoute<{ address: string }>(async (request, context) => {
  const { address } = paramsSchema.parse(await context.params);
  const { chainId } = parseSearchParams(request, querySchema);
  const provider = await getProviderDetail(chainId ?? defaultChainId(), address);
  if (!provider) throw new ApiError(404, "not_found", `Provider ${address} is not registered.`, "address");
  return json(provider, { headers: { "cache-control": "no-store" } });
});
