import { x25519 } from "@noble/curves/ed25519";

/** The two X25519 operations the sealed boxes need (RFC 7748; both clamp the private scalar). */
export interface X25519Scalar {
  /** A fresh random key pair. */
  generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array };
  publicKey(privateKey: Uint8Array): Uint8Array;
  sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

/** Pure JavaScript (@noble/curves): what a browser uses, and the reference the native path is tested against. */
export const nobleX25519: X25519Scalar = {
  generateKeyPair() {
    const privateKey = x25519.utils.randomPrivateKey();
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
  },
  publicKey: (privateKey) => x25519.getPublicKey(privateKey),
  sharedSecret: (privateKey, publicKey) => x25519.getSharedSecret(privateKey, publicKey),
};

// PKCS #8 DER prefix of an X25519 private key (OID 1.3.101.110); the 32 raw bytes follow.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

type NodeCrypto = typeof import("node:crypto");
type KeyObject = import("node:crypto").KeyObject;

const base64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
const fromBase64url = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

/**
 * OpenSSL's X25519 through node:crypto: ≈ 0.05 ms per operation instead of ≈ 1.4 ms for the JavaScript
 * ladder, which was most of what a provider agent or a booking renter spent per lease (decrypt the
 * request, seal the access). Same bytes out (a test compares both on random keys and RFC 7748's vectors).
 *
 * Importing a raw private key through PKCS #8 costs ≈ 0.6 ms in OpenSSL 3, more than the operation, so
 * each private key's KeyObject is kept beside its bytes (a WeakMap: a provider's long-lived key is
 * imported once, an ephemeral key made by generateKeyPair never). Private key arrays are never mutated.
 */
export function nativeX25519(crypto: NodeCrypto): X25519Scalar {
  const keyObjects = new WeakMap<Uint8Array, KeyObject>();
  const privateKeyObject = (privateKey: Uint8Array) => {
    let key = keyObjects.get(privateKey);
    if (!key) {
      const der = new Uint8Array(PKCS8_PREFIX.length + privateKey.length);
      der.set(PKCS8_PREFIX, 0);
      der.set(privateKey, PKCS8_PREFIX.length);
      key = crypto.createPrivateKey({ key: Buffer.from(der.buffer), format: "der", type: "pkcs8" });
      keyObjects.set(privateKey, key);
    }
    return key;
  };
  return {
    generateKeyPair() {
      const { privateKey: key } = crypto.generateKeyPairSync("x25519");
      const jwk = key.export({ format: "jwk" });
      const privateKey = fromBase64url(jwk.d!);
      keyObjects.set(privateKey, key);
      return { privateKey, publicKey: fromBase64url(jwk.x!) };
    },
    publicKey(privateKey) {
      return fromBase64url(crypto.createPublicKey(privateKeyObject(privateKey)).export({ format: "jwk" }).x!);
    },
    sharedSecret(privateKey, publicKey) {
      const peer = crypto.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: base64url(publicKey) }, format: "jwk" });
      return new Uint8Array(crypto.diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: peer }));
    },
  };
}

/**
 * node:crypto where the code runs in Node (reached through process.getBuiltinModule, Node ≥ 20.16, so a
 * browser bundle never sees an import of it), else the JavaScript implementation.
 */
function platformX25519(): X25519Scalar {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = typeof runtime?.getBuiltinModule === "function" ? (runtime.getBuiltinModule("node:crypto") as NodeCrypto | undefined) : undefined;
  return crypto?.diffieHellman ? nativeX25519(crypto) : nobleX25519;
}

export const x25519Scalar: X25519Scalar = platformX25519();
