import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha256";
import { randomBytes } from "@noble/hashes/utils";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { SdkError } from "./errors";
import { x25519Scalar } from "./x25519";

/**
 * Sealed boxes for the lease payloads stored on-chain (docs/protocol.md, "Encrypted payloads"):
 * X25519 with a fresh ephemeral key, HKDF-SHA256, XChaCha20-Poly1305 with associated data.
 * Layout: version(1) ‖ ephemeralPublicKey(32) ‖ nonce(24) ‖ ciphertext+tag.
 *
 * v2 binds every box to where it belongs (chain, escrow, offer or lease, renter) as AEAD associated
 * data, so a payload copied into another lease, escrow or chain no longer opens. The version byte and
 * the HKDF info string both changed from v1, so a v1 box is refused with a clear error, never
 * half-opened.
 */
const VERSION = 2;
const INFO = new TextEncoder().encode("gridlease/sealed-box/v2");
const HEADER_BYTES = 1;
const EPHEMERAL_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;

export interface EncryptionKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * What a sealed box is bound to. A request is sealed at booking, before the lease id exists, so it
 * names the offer; access details name the lease.
 */
export type SealContext =
  | { kind: "request"; chainId: number; escrow: Address; offerId: bigint; renter: Address }
  | { kind: "access"; chainId: number; escrow: Address; leaseId: bigint; renter: Address };

/** The associated data: one unambiguous line per context (addresses lower-cased so checksums do not matter). */
export function associatedData(context: SealContext): Uint8Array {
  const target = context.kind === "request" ? `offer=${context.offerId}` : `lease=${context.leaseId}`;
  return new TextEncoder().encode(
    `gridlease/${context.kind}/v2;chain=${context.chainId};escrow=${context.escrow.toLowerCase()};${target};renter=${context.renter.toLowerCase()}`,
  );
}

export function generateEncryptionKeyPair(): EncryptionKeyPair {
  return x25519Scalar.generateKeyPair();
}

export function keyPairFromPrivateKey(privateKey: Uint8Array): EncryptionKeyPair {
  return { privateKey, publicKey: x25519Scalar.publicKey(privateKey) };
}

/** The message a renter signs; the signature seeds the renter's encryption key so it never leaves the browser. */
export const ENCRYPTION_KEY_MESSAGE =
  "Gridlease encryption key v1\n\nSigning this lets this browser derive the key that decrypts your rental access details. It costs no gas and grants no spending rights.";

export function keyPairFromSignature(signature: Hex): EncryptionKeyPair {
  const seed = hkdf(sha256, hexToBytes(signature), undefined, "gridlease/renter-key/v1", 32);
  return keyPairFromPrivateKey(seed);
}

const P = 2n ** 255n - 19n;
/** u-coordinates of the points of order 1, 2, 4 and 8 on Curve25519 (canonical encodings; RFC 7748 §7). */
const LOW_ORDER_U = new Set([
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P - 1n,
]);

/**
 * Why a 32-byte string is not a usable X25519 public key, or undefined when it is. Refused: any
 * encoding of u ≥ p or with the top bit set (non-canonical: two byte strings for one key), and the
 * low-order points, whose shared secret is a constant anyone can compute.
 */
export function x25519PublicKeyProblem(key: Uint8Array): string | undefined {
  if (key.length !== 32) return "not 32 bytes";
  let u = 0n;
  for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(key[i]!);
  if (u >= P) return "not a canonical X25519 public key (u ≥ 2^255 − 19)";
  if (LOW_ORDER_U.has(u)) return "a low-order X25519 point (its shared secret is public)";
  return undefined;
}

export class SealedBoxError extends SdkError {
  readonly code = "sealed_box";
}

function requireUsableKey(key: Uint8Array, whose: string): void {
  const problem = x25519PublicKeyProblem(key);
  if (problem) throw new SealedBoxError(`The ${whose} encryption key is ${problem}.`);
}

function deriveKey(shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const salt = new Uint8Array(EPHEMERAL_BYTES * 2);
  salt.set(ephemeralPublicKey, 0);
  salt.set(recipientPublicKey, EPHEMERAL_BYTES);
  return hkdf(sha256, shared, salt, INFO, 32);
}

export function seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, context: SealContext): Uint8Array {
  requireUsableKey(recipientPublicKey, "recipient's");
  const ephemeral = generateEncryptionKeyPair();
  const shared = x25519Scalar.sharedSecret(ephemeral.privateKey, recipientPublicKey);
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(deriveKey(shared, ephemeral.publicKey, recipientPublicKey), nonce, associatedData(context)).encrypt(plaintext);
  const out = new Uint8Array(HEADER_BYTES + EPHEMERAL_BYTES + NONCE_BYTES + ciphertext.length);
  out[0] = VERSION;
  out.set(ephemeral.publicKey, HEADER_BYTES);
  out.set(nonce, HEADER_BYTES + EPHEMERAL_BYTES);
  out.set(ciphertext, HEADER_BYTES + EPHEMERAL_BYTES + NONCE_BYTES);
  return out;
}

function parts(sealed: Uint8Array) {
  if (sealed.length < HEADER_BYTES + EPHEMERAL_BYTES + NONCE_BYTES + TAG_BYTES) throw new SealedBoxError("Encrypted payload is too short to be a sealed box.");
  if (sealed[0] !== VERSION) throw new SealedBoxError(`Encrypted payload is not a v${VERSION} sealed box (it was sealed by an older or unknown version).`);
  const ephemeralPublicKey = sealed.subarray(HEADER_BYTES, HEADER_BYTES + EPHEMERAL_BYTES);
  requireUsableKey(ephemeralPublicKey, "sender's ephemeral");
  return {
    ephemeralPublicKey,
    nonce: sealed.subarray(HEADER_BYTES + EPHEMERAL_BYTES, HEADER_BYTES + EPHEMERAL_BYTES + NONCE_BYTES),
    ciphertext: sealed.subarray(HEADER_BYTES + EPHEMERAL_BYTES + NONCE_BYTES),
  };
}

/**
 * The X25519 shared secret of one sealed box. Revealing it opens that one box and nothing else: it is
 * derived from the box's fresh ephemeral key, and gives no way back to the recipient's private key.
 * Providers reveal it as evidence that a renter's request was invalid (see `openWithSharedSecret`).
 */
export function sharedSecretOf(recipient: EncryptionKeyPair, sealed: Uint8Array): Uint8Array {
  return x25519Scalar.sharedSecret(recipient.privateKey, parts(sealed).ephemeralPublicKey);
}

/** Opens a box from its revealed shared secret; the recipient's public key and the context must match too. */
export function openWithSharedSecret(shared: Uint8Array, recipientPublicKey: Uint8Array, sealed: Uint8Array, context: SealContext): Uint8Array {
  const { ephemeralPublicKey, nonce, ciphertext } = parts(sealed);
  try {
    return xchacha20poly1305(deriveKey(shared, ephemeralPublicKey, recipientPublicKey), nonce, associatedData(context)).decrypt(ciphertext);
  } catch {
    throw new SealedBoxError("Encrypted payload could not be decrypted with this key for this lease (wrong key, another lease, or tampered data).");
  }
}

export function open(recipient: EncryptionKeyPair, sealed: Uint8Array, context: SealContext): Uint8Array {
  return openWithSharedSecret(sharedSecretOf(recipient, sealed), recipient.publicKey, sealed, context);
}

export function sealJson(recipientPublicKey: Hex, value: unknown, context: SealContext): Hex {
  return bytesToHex(seal(hexToBytes(recipientPublicKey), new TextEncoder().encode(JSON.stringify(value)), context));
}

export function openJson<T = unknown>(recipient: EncryptionKeyPair, sealed: Hex, context: SealContext): T {
  return JSON.parse(new TextDecoder().decode(open(recipient, hexToBytes(sealed), context))) as T;
}

/** What a renter sends to the provider inside `encryptedRequest`. */
export interface LeaseRequestPayload {
  sshPublicKey: string;
  /** X25519 public key (hex) the provider must encrypt the access details to. */
  renterEncryptionKey: Hex;
  note?: string;
  /** The workload to run (launch-spec.ts); checked by the agent with launchSpecSchema. */
  launch?: import("./launch-spec").LaunchSpecInput;
}

/** What a provider returns inside `encryptedAccess` (the provisioning script's JSON, passed through). */
export type LeaseAccessPayload = Record<string, unknown>;
