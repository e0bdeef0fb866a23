import { z } from "zod";
import { DbError } from "./errors";

// What every signed provider request (heartbeat, decline evidence) has in common, kept in one place
// so the API checks and words these fields, and its refusals, the same way for each of them.

export const chainIdField = z.number({ error: "must be a chain id (number)" }).int().positive().max(Number.MAX_SAFE_INTEGER);
export const signatureField = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte 0x-prefixed hex signature");

/** A refused signed request: `status` is the HTTP status to answer, `field` the body field it names. */
export class SignedRequestRejected extends DbError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
