import { z } from "zod";
import type { Address, Hex } from "viem";
import { openJson, type EncryptionKeyPair } from "@gridlease/sdk/crypto";

/**
 * OpenSSH public key on one line. Scripts write it into authorized_keys, so anything that could
 * smuggle a second line or an options prefix is refused here, before any script sees it.
 */
const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n\0]{1,500})?$/;

export const leaseRequestSchema = z.object({
  // Trimmed like the web app's booking form does: a key pasted from a .pub file ends with a newline.
  sshPublicKey: z.string().max(16_384).trim().regex(SSH_PUBLIC_KEY, "not a single-line OpenSSH public key"),
  renterEncryptionKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex X25519 public key").transform((k) => k as Hex),
  note: z.string().max(2000).optional(),
});

export type ValidLeaseRequest = z.infer<typeof leaseRequestSchema>;

export class LeaseRequestError extends Error {}

export function decryptLeaseRequest(keyPair: EncryptionKeyPair, encryptedRequest: Hex): ValidLeaseRequest {
  let payload: unknown;
  try {
    payload = openJson(keyPair, encryptedRequest);
  } catch (error) {
    throw new LeaseRequestError(`the renter's request cannot be decrypted with this provider's key: ${(error as Error).message}`);
  }
  const parsed = leaseRequestSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LeaseRequestError(`the renter's request is malformed (${issue.path.join(".") || "payload"}: ${issue.message})`);
  }
  return parsed.data;
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
