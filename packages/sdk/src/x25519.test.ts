import crypto from "node:crypto";
import { bytesToHex, hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { nativeX25519, nobleX25519, x25519Scalar } from "./x25519";

const native = nativeX25519(crypto);

// RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret.
const ALICE_PRIVATE = "0x77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const ALICE_PUBLIC = "0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const BOB_PRIVATE = "0x5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const BOB_PUBLIC = "0xde9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const SHARED = "0x4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

describe("x25519", () => {
  for (const [name, impl] of [
    ["native (node:crypto)", native],
    ["JavaScript (@noble/curves)", nobleX25519],
  ] as const) {
    it(`${name} reproduces the RFC 7748 test vectors`, () => {
      expect(bytesToHex(impl.publicKey(hexToBytes(ALICE_PRIVATE)))).toBe(ALICE_PUBLIC);
      expect(bytesToHex(impl.publicKey(hexToBytes(BOB_PRIVATE)))).toBe(BOB_PUBLIC);
      expect(bytesToHex(impl.sharedSecret(hexToBytes(ALICE_PRIVATE), hexToBytes(BOB_PUBLIC)))).toBe(SHARED);
      expect(bytesToHex(impl.sharedSecret(hexToBytes(BOB_PRIVATE), hexToBytes(ALICE_PUBLIC)))).toBe(SHARED);
    });
  }

  it("native and JavaScript agree on random keys, unclamped scalars included", () => {
    for (let i = 0; i < 200; i++) {
      const a = crypto.randomBytes(32);
      const b = crypto.randomBytes(32);
      const publicB = nobleX25519.publicKey(b);
      expect(bytesToHex(native.publicKey(a))).toBe(bytesToHex(nobleX25519.publicKey(a)));
      expect(bytesToHex(native.sharedSecret(a, publicB))).toBe(bytesToHex(nobleX25519.sharedSecret(a, publicB)));
    }
  });

  it("a generated pair's public key is its private key's, and it agrees with the JavaScript side", () => {
    for (let i = 0; i < 50; i++) {
      const pair = native.generateKeyPair();
      const peer = nobleX25519.generateKeyPair();
      expect(bytesToHex(nobleX25519.publicKey(pair.privateKey))).toBe(bytesToHex(pair.publicKey));
      expect(bytesToHex(native.sharedSecret(pair.privateKey, peer.publicKey))).toBe(bytesToHex(nobleX25519.sharedSecret(peer.privateKey, pair.publicKey)));
    }
  });

  it("uses node:crypto when it runs in Node", () => {
    expect(x25519Scalar).not.toBe(nobleX25519);
    const a = crypto.randomBytes(32);
    expect(bytesToHex(x25519Scalar.publicKey(a))).toBe(bytesToHex(nobleX25519.publicKey(a)));
  });
});
