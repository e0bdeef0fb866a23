import { nextReadRoute } from "@/lib/api";
import { billingRoutes } from "@/lib/api/billing-routes";

export const dynamic = "force-dynamic";

/** GET /api/billing/csv (lib/api/billing-routes.ts). */
export const GET = nextReadRoute(billingRoutes.csv);
