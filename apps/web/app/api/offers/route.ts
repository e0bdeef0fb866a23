import { nextReadRoute } from "@/lib/api";
import { publicReadRoutes } from "@/lib/api/public-read-routes";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** GET /api/offers (lib/api/public-read-routes.ts; the production server answers it without Next, http/api-lane.ts). */
export const GET = nextReadRoute(publicReadRoutes.offers);
