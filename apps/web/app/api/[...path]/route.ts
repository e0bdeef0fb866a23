import { apiRoute, jsonError } from "@/lib/api";

export const dynamic = "force-dynamic";

/**
 * Any /api/* path no route has: a JSON 404, so an API client never gets the HTML 404 page. Next
 * prefers every more specific route over this catch-all, so it only sees unknown paths. Rate limited
 * like the reads (GET) and writes (others); no Origin check, since it changes nothing.
 */
const notFound = apiRoute<{ path: string[] }>(
  async (request) => {
    const { pathname } = new URL(request.url);
    return jsonError(404, "not_found", `No API route at ${pathname}.`, "(path)");
  },
  { checkOrigin: false },
);

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
