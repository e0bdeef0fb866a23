import { x25519 } from "@noble/curves/ed25519";
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha256";
import { randomBytes } from "@noble/hashes/utils";
import { bytesToHex, hexToBytes, type Hex } from "viem";

/**
 * Sealed boxes for the lease payloads stored on-chain (docs/protocol.md, "Encrypted payloads"):
 * X25519 with a fresh ephemeral key, HKDF-SHA256, XChaCha20-Poly1305.
 * Layout: ephemeralPublicKey(32) ‖ nonce(24) ‖ ciphertext+tag.
 */
const INFO = new TextEncoder().encode("gridlease/sealed-box/v1");
const EPHEMERAL_BYTES = 32;
const NONCE_BYTES = 24;

export interface EncryptionKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const privateKey = x25519.utils.randomPrivateKey();
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

export function keyPairFromPrivateKey(privateKey: Uint8Array): EncryptionKeyPair {
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

/** The message a renter signs; the signature seeds the renter's encryption key so it never leaves the browser. */
export const ENCRYPTION_KEY_MESSAGE =
  "Gridlease encryption key v1\n\nSigning this lets this browser derive the key that decrypts your rental access details. It costs no gas and grants no spending rights.";

export function keyPairFromSignature(signature: Hex): EncryptionKeyPair {
  const seed = hkdf(sha256, hexToBytes(signature), undefined, "gridlease/renter-key/v1", 32);
  return keyPairFromPrivateKey(seed);
}

function deriveKey(shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const salt = new Uint8Array(EPHEMERAL_BYTES * 2);
  salt.set(ephemeralPublicKey, 0);
  salt.set(recipientPublicKey, EPHEMERAL_BYTES);
  return hkdf(sha256, shared, salt, INFO, 32);
}

export function seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const ephemeral = generateEncryptionKeyPair();
  const shared = x25519.getSharedSecret(ephemeral.privateKey, recipientPublicKey);
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(deriveKey(shared, ephemeral.publicKey, recipientPublicKey), nonce).encrypt(plaintext);
  const out = new Uint8Array(EPHEMERAL_BYTES + NONCE_BYTES + ciphertext.length);
  out.set(ephemeral.publicKey, 0);
  out.set(nonce, EPHEMERAL_BYTES);
  out.set(ciphertext, EPHEMERAL_BYTES + NONCE_BYTES);
  return out;
}

export class SealedBoxError extends Error {}

export function open(recipient: EncryptionKeyPair, sealed: Uint8Array): Uint8Array {
  if (sealed.length < EPHEMERAL_BYTES + NONCE_BYTES + 16) throw new SealedBoxError("Encrypted payload is too short to be a sealed box.");
  const ephemeralPublicKey = sealed.subarray(0, EPHEMERAL_BYTES);
  const nonce = sealed.subarray(EPHEMERAL_BYTES, EPHEMERAL_BYTES + NONCE_BYTES);
  const shared = x25519.getSharedSecret(recipient.privateKey, ephemeralPublicKey);
  try {
    return xchacha20poly1305(deriveKey(shared, ephemeralPublicKey, recipient.publicKey), nonce).decrypt(
      sealed.subarray(EPHEMERAL_BYTES + NONCE_BYTES),
    );
  } catch {
    throw new SealedBoxError("Encrypted payload could not be decrypted with this key (wrong key or tampered data).");
  }
}

export function sealJson(recipientPublicKey: Hex, value: unknown): Hex {
  return bytesToHex(seal(hexToBytes(recipientPublicKey), new TextEncoder().encode(JSON.stringify(value))));
}

export function openJson<T = unknown>(recipient: EncryptionKeyPair, sealed: Hex): T {
  return JSON.parse(new TextDecoder().decode(open(recipient, hexToBytes(sealed)))) as T;
}

/** What a renter sends to the provider inside `encryptedRequest`. */
export interface LeaseRequestPayload {
  sshPublicKey: string;
  /** X25519 public key (hex) the provider must encrypt the access details to. */
  renterEncryptionKey: Hex;
  note?: string;
}

/** What a provider returns inside `encryptedAccess` (the provisioning script's JSON, passed through). */
export type LeaseAccessPayload = Record<string, unknown>;
