import { hexToBytes, type Address, type Hex } from "viem";
import { openJson, sharedSecretOf, type EncryptionKeyPair, type SealContext } from "@gridlease/sdk/crypto";
import { checkLeaseRequest, type ValidLeaseRequest } from "@gridlease/sdk/lease-request";
import { AgentError } from "../errors";

export { leaseRequestSchema, type ValidLeaseRequest } from "@gridlease/sdk/lease-request";

export class LeaseRequestError extends AgentError {
  readonly code = "lease_request";
  /**
   * "undecryptable": the box does not open with this provider's key; nothing can prove that to a third
   * party. "invalid": it opens but breaks the rules; the box's shared secret proves it (M3).
   */
  constructor(
    message: string,
    readonly kind: "undecryptable" | "invalid",
  ) {
    super(message);
  }
}

/** What a request box is bound to: it was sealed at booking, before the lease id existed. */
export function requestContext(chainId: number, escrow: Address, booking: Pick<Booking, "offerId" | "renter">): SealContext {
  return { kind: "request", chainId, escrow, offerId: booking.offerId, renter: booking.renter };
}

export function decryptLeaseRequest(keyPair: EncryptionKeyPair, encryptedRequest: Hex, context: SealContext): ValidLeaseRequest {
  let payload: unknown;
  try {
    payload = openJson(keyPair, encryptedRequest, context);
  } catch (error) {
    throw new LeaseRequestError(`the renter's request cannot be decrypted with this provider's key: ${(error as Error).message}`, "undecryptable");
  }
  const { request, problem } = checkLeaseRequest(payload);
  if (!request) throw new LeaseRequestError(`the renter's request is malformed (${problem})`, "invalid");
  return request;
}

/** The request box's shared secret, revealed as decline evidence (opens this one box, never the provider key). */
export function requestSharedSecret(keyPair: EncryptionKeyPair, encryptedRequest: Hex): Uint8Array {
  return sharedSecretOf(keyPair, hexToBytes(encryptedRequest));
}

/** A LeaseBooked event, as the agent keeps it. */
export interface Booking {
  leaseId: bigint;
  offerId: bigint;
  renter: Address;
  gpus: number;
  durationHours: number;
  pricePerGpuHour: bigint;
  deposit: bigint;
  acceptDeadline: bigint;
  encryptedRequest: Hex;
  blockNumber: bigint;
}

/** What provisioning and deprovisioning scripts get on stdin (see README, "Provisioning scripts"). */
export interface LeaseScriptInput {
  event: "provision" | "deprovision";
  reason?: string;
  chainId: number;
  leaseId: string;
  offerId: string;
  provider: Address;
  renter: Address;
  gpuModel: string;
  gpus: number;
  gpuIndices: number[];
  gpuUuids: string[];
  durationHours: number;
  pricePerGpuHour: string;
  acceptDeadline: number;
  sshPublicKey: string;
  note?: string;
}

/** The same facts as environment variables, for scripts that would rather not parse JSON. */
export function scriptEnvironment(input: LeaseScriptInput): Record<string, string> {
  return {
    GRIDLEASE_EVENT: input.event,
    GRIDLEASE_LEASE_ID: input.leaseId,
    GRIDLEASE_GPUS: String(input.gpus),
    GRIDLEASE_GPU_INDICES: input.gpuIndices.join(","),
    GRIDLEASE_GPU_UUIDS: input.gpuUuids.join(","),
    GRIDLEASE_DURATION_HOURS: String(input.durationHours),
    GRIDLEASE_SSH_PUBLIC_KEY: input.sshPublicKey,
    GRIDLEASE_RENTER: input.renter,
    GRIDLEASE_REASON: input.reason ?? "",
  };
}
