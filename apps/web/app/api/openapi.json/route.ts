import { apiRoute, json } from "@/lib/api";
import { openApiDocument } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

/** GET /api/openapi.json — the OpenAPI 3.1 description of /api, generated from the routes' zod schemas. */
export const GET = apiRoute(async () => json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } }));
