import { z } from "zod";
import { hexToBytes, type Hex } from "viem";
import { x25519PublicKeyProblem } from "./crypto";
import { launchSpecSchema } from "./launch-spec";

/**
 * The one definition of a valid renter request, shared by the provider agent (which refuses invalid
 * requests before any script runs) and the web server (which re-checks a provider's claim that a
 * declined request was invalid, see POST /api/leases/[id]/decline-evidence). Both must agree exactly,
 * or a provider could be credited for declining a request its own agent would have accepted.
 */

/**
 * OpenSSH public key on one line. Scripts write it into authorized_keys, so anything that could
 * smuggle a second line or an options prefix is refused here, before any script sees it; the comment
 * carries no control characters either (it ends up in logs and terminals).
 */
export const SSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\x00-\x1f\x7f]{1,500})?$/;

export const leaseRequestSchema = z.object({
  // Trimmed like the web app's booking form does: a key pasted from a .pub file ends with a newline.
  sshPublicKey: z.string().max(16_384).trim().regex(SSH_PUBLIC_KEY, "not a single-line OpenSSH public key"),
  renterEncryptionKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex X25519 public key")
    // A low-order key makes every box sealed to it readable by anyone, and used to make sealing the
    // access details throw after provisioning had run (issue 10, C1): refused before any script runs.
    .superRefine((key, ctx) => {
      const problem = x25519PublicKeyProblem(hexToBytes(key as Hex));
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((k) => k as Hex),
  note: z.string().max(2000).optional(),
  /** What to run (issue 16); absent from older clients, which get the plain SSH template. */
  launch: launchSpecSchema.optional(),
});

export type ValidLeaseRequest = z.infer<typeof leaseRequestSchema>;

/** The parsed request (trimmed), or the first problem as "field: message". */
export function checkLeaseRequest(payload: unknown): { request: ValidLeaseRequest; problem?: undefined } | { request?: undefined; problem: string } {
  const parsed = leaseRequestSchema.safeParse(payload);
  if (parsed.success) return { request: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { problem: `${issue.path.join(".") || "payload"}: ${issue.message}` };
}

/**
 * Decline evidence (issue 10, M3): a provider that declined a renter's invalid request reveals the
 * request box's X25519 shared secret, signed with its wallet. The domain names the escrow, so the
 * signature counts for one deployment on one chain only.
 */
export const declineEvidenceTypes = {
  DeclineEvidence: [
    { name: "leaseId", type: "uint256" },
    { name: "sharedSecret", type: "bytes32" },
  ],
} as const;

export function declineEvidenceDomain(chainId: number, escrow: `0x${string}`) {
  return { name: "Gridlease", version: "1", chainId, verifyingContract: escrow } as const;
}
