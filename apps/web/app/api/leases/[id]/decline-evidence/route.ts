import { DeclineEvidenceRejected, declineEvidenceBodySchema, recordDeclineEvidence } from "@gridlease/db/decline-evidence";
import { ApiError, apiRoute, json, parseJsonBody } from "@/lib/api";

export const dynamic = "force-dynamic";

/**
 * POST /api/leases/{id}/decline-evidence — a provider agent shows that the request it declined was the
 * renter's fault (issue 10, M3; packages/db/src/decline-evidence.ts). 201 with the problem found when
 * the revealed shared secret opens the on-chain request and the shared validator rejects it; 4xx
 * naming the field otherwise.
 */
export const POST = apiRoute<{ id: string }>(async (request, { params }) => {
  const { id } = await params;
  if (!/^(0|[1-9]\d{0,18})$/.test(id) || BigInt(id) > 2n ** 63n - 1n)
    throw new ApiError(400, "invalid_lease_id", "The lease id must be a decimal integer.", "leaseId");
  const body = await parseJsonBody(request, declineEvidenceBodySchema);
  try {
    const { problem, reliability } = await recordDeclineEvidence(BigInt(id), body);
    return json({ recorded: true, leaseId: id, verdict: "declined_invalid_request", problem, reliability }, { status: 201 });
  } catch (error) {
    if (error instanceof DeclineEvidenceRejected) throw new ApiError(error.status, error.code, error.message, error.field);
    throw error;
  }
});
