import { getAddress, isAddressEqual, recoverMessageAddress, type Address, type Hex, type PublicClient } from "viem";
import { parseSiweMessage } from "viem/siwe";
import { z } from "zod";
import { ApiError } from "@/lib/api";
import type { NonceStore } from "./nonce-store";

export const siweLoginSchema = z.object({
  message: z.string().min(1).max(4_000),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]+$/, "must be a 0x-prefixed hex signature")
    .max(20_000),
});
export type SiweLogin = z.infer<typeof siweLoginSchema>;

/** Largest gap accepted between the message's issuedAt and now (clock skew included). */
const MAX_MESSAGE_AGE_MS = 10 * 60_000;
const CLOCK_SKEW_MS = 60_000;

function reject(code: string, message: string): never {
  throw new ApiError(401, code, message);
}

export interface SiweContext {
  /**
   * The site's configured public origin (runtime-config publicOrigin), e.g. http://127.0.0.1:3100:
   * the message's domain must be its host and the URI must be on it. Never the request's Host
   * header, which a relay of a phished sign-in chooses.
   */
  origin: URL;
  /** The pre-login cookie sent with the request; the nonce must have been issued with it. */
  nonceToken: string | undefined;
  chainId: number;
  nonces: NonceStore;
  now?: Date;
  /** For smart-contract wallets (ERC-1271/6492) whose signatures do not recover to the address. */
  client?: PublicClient;
}

/**
 * EIP-4361 checks, in an order that burns the nonce before any other verdict: a captured
 * message+signature can therefore never be replayed, even after a failed attempt.
 */
export async function verifySiweLogin(login: SiweLogin, context: SiweContext): Promise<{ address: Address }> {
  const now = context.now ?? new Date();
  const fields = parseSiweMessage(login.message);
  if (!fields.address || !fields.nonce || !fields.domain || !fields.chainId || !fields.uri || !fields.issuedAt) {
    reject("siwe_malformed", "The sign-in message is not a complete EIP-4361 message.");
  }
  if (!(await context.nonces.consume(fields.nonce, context.nonceToken, now.getTime()))) {
    reject("siwe_nonce", "The sign-in nonce is unknown, expired, already used or was issued to another browser; request a new one.");
  }
  if (fields.version !== "1") reject("siwe_version", "Only EIP-4361 version 1 messages are accepted.");
  const expectedDomain = context.origin.host;
  if (fields.domain !== expectedDomain) {
    reject("siwe_domain", `The message was signed for ${fields.domain}, not for ${expectedDomain}.`);
  }
  let uriOrigin: string | undefined;
  try {
    uriOrigin = new URL(fields.uri).origin;
  } catch {
    uriOrigin = undefined;
  }
  if (uriOrigin !== context.origin.origin) reject("siwe_uri", `The message's URI is not on ${context.origin.origin}.`);
  if (fields.chainId !== context.chainId) {
    reject("siwe_chain", `The message is for chain ${fields.chainId}; this marketplace runs on chain ${context.chainId}.`);
  }
  if (!fields.expirationTime) reject("siwe_expiry", "The sign-in message must carry an expiration time.");
  if (fields.expirationTime.getTime() <= now.getTime()) reject("siwe_expired", "The sign-in message has expired.");
  if (fields.notBefore && fields.notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    reject("siwe_not_yet_valid", "The sign-in message is not valid yet.");
  }
  const age = now.getTime() - fields.issuedAt.getTime();
  if (age > MAX_MESSAGE_AGE_MS || age < -CLOCK_SKEW_MS) reject("siwe_stale", "The sign-in message was issued too long ago or in the future.");

  const address = getAddress(fields.address);
  const signature = login.signature as Hex;
  let recovered: Address | undefined;
  try {
    recovered = await recoverMessageAddress({ message: login.message, signature });
  } catch {
    recovered = undefined;
  }
  if (recovered && isAddressEqual(recovered, address)) return { address };
  if (context.client) {
    const valid = await context.client.verifyMessage({ address, message: login.message, signature }).catch(() => false);
    if (valid) return { address };
  }
  reject("siwe_signature", "The signature does not match the address in the message.");
}
