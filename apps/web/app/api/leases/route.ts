import { leaseListQuerySchema, listLeases } from "@gridlease/db/queries";
import { apiRoute, json, parseSearchParams } from "@/lib/api";

export const dynamic = "force-dynamic";

/** GET /api/leases?renter=0x…|provider=0x…[&status=][&limit=][&cursor=] — newest first. */
export const GET = apiRoute(async (request) => {
  const query = parseSearchParams(request, leaseListQuerySchema);
  return json(await listLeases(query), { headers: { "cache-control": "no-store" } });
});
