import { z } from "zod";
import type pg from "pg";
import { hexToBytes, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { openWithSharedSecret, SealedBoxError } from "@gridlease/sdk/crypto";
import { checkLeaseRequest, declineEvidenceDomain, declineEvidenceTypes } from "@gridlease/sdk/lease-request";
import { getPool } from "./client";
import { RELIABILITY_UPDATE_SQL } from "./reliability";
import { chainIdField, signatureField, SignedRequestRejected } from "./signed-request";

/**
 * Issue 10, M3: a provider shows that a declined request was the renter's fault. The request box is
 * public (LeaseBooked, indexed as lease.encrypted_request); the provider reveals that box's X25519
 * shared secret, signed EIP-712 by its wallet for this chain, escrow and lease. The server reopens
 * the box and runs the same validator as the agent (@gridlease/sdk/lease-request). Only a box that
 * opens and is invalid is recorded; a valid request, a wrong secret or another signer is refused.
 * Limitation: a request that does not decrypt at all cannot be shown to be garbage this way (that
 * needs a proof that the secret is the provider key's real DH output, e.g. DLEQ), so such declines
 * still count against the provider.
 */
export const declineEvidenceBodySchema = z
  .object({
    chainId: chainIdField,
    sharedSecret: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte 0x-prefixed hex X25519 shared secret"),
    signature: signatureField,
  })
  .strict();

export type DeclineEvidenceBody = z.infer<typeof declineEvidenceBodySchema>;

export class DeclineEvidenceRejected extends SignedRequestRejected {
  override name = "DeclineEvidenceRejected";
}

interface LeaseRow {
  offer_id: string;
  renter: string;
  provider: string;
  encrypted_request: string;
  encryption_key: string | null;
  escrow: string | null;
}

/** Verifies and records the evidence; resolves to the request's problem and the provider's new reliability. */
export async function recordDeclineEvidence(
  leaseId: bigint,
  body: DeclineEvidenceBody,
  db: pg.Pool = getPool(),
): Promise<{ problem: string; reliability: number }> {
  const { rows } = await db.query<LeaseRow>(
    `select l.offer_id::text, l.renter, l.provider, l.encrypted_request, p.encryption_key, c.escrow_address as escrow
       from lease l left join provider p on p.chain_id = l.chain_id and p.address = l.provider
       left join indexer_cursor c on c.chain_id = l.chain_id
      where l.chain_id = $1 and l.lease_id = $2`,
    [body.chainId, leaseId.toString()],
  );
  const lease = rows[0];
  // 404 also while the indexer has not caught up with the booking: the agent retries.
  if (!lease?.escrow || !lease.encryption_key)
    throw new DeclineEvidenceRejected(404, "unknown_lease", `Lease ${leaseId} is not indexed on chain ${body.chainId}.`, "leaseId");
  const escrow = lease.escrow as Address;

  const signer = await recoverTypedDataAddress({
    domain: declineEvidenceDomain(body.chainId, escrow),
    types: declineEvidenceTypes,
    primaryType: "DeclineEvidence",
    message: { leaseId, sharedSecret: body.sharedSecret as Hex },
    signature: body.signature as Hex,
  }).catch(() => undefined);
  if (!signer || signer.toLowerCase() !== lease.provider.toLowerCase()) {
    throw new DeclineEvidenceRejected(
      403,
      "bad_signature",
      "The signature is not the lease provider's over this lease and secret for this escrow.",
      "signature",
    );
  }

  const providerKey = hexToBytes(lease.encryption_key as Hex);
  let plaintext: Uint8Array;
  try {
    plaintext = openWithSharedSecret(hexToBytes(body.sharedSecret as Hex), providerKey, hexToBytes(lease.encrypted_request as Hex), {
      kind: "request",
      chainId: body.chainId,
      escrow,
      offerId: BigInt(lease.offer_id),
      renter: lease.renter as Address,
    });
  } catch (error) {
    if (!(error instanceof SealedBoxError)) throw error;
    throw new DeclineEvidenceRejected(
      422,
      "secret_does_not_open_request",
      `The shared secret does not open this lease's request: ${error.message}`,
      "sharedSecret",
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    payload = undefined; // not JSON (or not UTF-8): invalid by any definition
  }
  const problem = payload === undefined ? "payload: not a JSON document" : checkLeaseRequest(payload).problem;
  if (!problem)
    throw new DeclineEvidenceRejected(422, "request_is_valid", "The request opens and is valid, so declining it was the provider's choice.", "sharedSecret");

  await db.query(
    `insert into lease_decline_evidence (chain_id, lease_id, provider, verdict, problem, shared_secret, signature)
     values ($1, $2, $3, 'declined_invalid_request', $4, $5, $6) on conflict (chain_id, lease_id) do nothing`,
    [body.chainId, leaseId.toString(), lease.provider, problem, body.sharedSecret.toLowerCase(), body.signature],
  );
  await db.query(RELIABILITY_UPDATE_SQL, [body.chainId, [lease.provider]]);
  const { rows: after } = await db.query<{ reliability: number }>("select reliability from provider where chain_id = $1 and address = $2", [
    body.chainId,
    lease.provider,
  ]);
  return { problem, reliability: after[0]?.reliability ?? 0 };
}
