import { nextReadRoute } from "@/lib/api";
import { publicReadRoutes } from "@/lib/api/public-read-routes";

export const dynamic = "force-dynamic";

/** GET /api/stats (lib/api/public-read-routes.ts). */
export const GET = nextReadRoute(publicReadRoutes.stats);
