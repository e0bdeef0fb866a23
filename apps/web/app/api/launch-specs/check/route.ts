import { checkLaunchSpec, launchSpecHash } from "@gridlease/sdk/launch-spec";
import { ApiError, apiRoute, json, parseJsonBody } from "@/lib/api";
import { z } from "zod";

export const dynamic = "force-dynamic";

/**
 * POST /api/launch-specs/check — checks a launch spec (issue 16) with the same rules the booking form
 * and the provider agent apply (packages/sdk/src/launch-spec.ts). 200 with the normalised spec and
 * its hash; 400 with the sentence and the field (e.g. `ports.1`) otherwise.
 */
export const POST = apiRoute(async (request) => {
  const body = await parseJsonBody(request, z.unknown());
  const { spec, problem } = checkLaunchSpec(body);
  if (!spec) throw new ApiError(400, "invalid_launch_spec", problem.message, problem.field);
  return json({ valid: true, spec, launchSpecHash: launchSpecHash(spec) });
});
