import { nextReadRoute } from "@/lib/api";
import { publicReadRoutes } from "@/lib/api/public-read-routes";

export const dynamic = "force-dynamic";

/** GET /api/providers/{address}/gpu-checks (lib/api/public-read-routes.ts). */
export const GET = nextReadRoute<{ address: string }>(publicReadRoutes.providerGpuChecks);
