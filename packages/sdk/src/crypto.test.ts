import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, type Address } from "viem";
import {
  generateEncryptionKeyPair,
  keyPairFromSignature,
  open,
  openJson,
  openWithSharedSecret,
  sealJson,
  sharedSecretOf,
  SealedBoxError,
  x25519PublicKeyProblem,
  type SealContext,
} from "./crypto";

const escrow: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const renter: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const access: SealContext = { kind: "access", chainId: 31337, escrow, leaseId: 7n, renter };

describe("sealed boxes", () => {
  it("round-trips JSON to the intended recipient", () => {
    const recipient = generateEncryptionKeyPair();
    const sealed = sealJson(bytesToHex(recipient.publicKey), { host: "10.0.0.5", port: 2222 }, access);
    expect(openJson(recipient, sealed, access)).toEqual({ host: "10.0.0.5", port: 2222 });
  });

  it("refuses to open with another key", () => {
    const recipient = generateEncryptionKeyPair();
    const stranger = generateEncryptionKeyPair();
    const sealed = sealJson(bytesToHex(recipient.publicKey), { secret: 1 }, access);
    expect(() => openJson(stranger, sealed, access)).toThrow(SealedBoxError);
  });

  // Issue 10, low: boxes carried no associated data, so access details could be replayed into another lease.
  it("refuses a box opened for another lease, renter, escrow, chain or kind", () => {
    const recipient = generateEncryptionKeyPair();
    const sealed = sealJson(bytesToHex(recipient.publicKey), { host: "h" }, access);
    const elsewhere: SealContext[] = [
      { ...access, leaseId: 8n },
      { ...access, renter: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" },
      { ...access, escrow: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      { ...access, chainId: 1 },
      { kind: "request", chainId: 31337, escrow, offerId: 7n, renter },
    ];
    for (const context of elsewhere) expect(() => openJson(recipient, sealed, context)).toThrow(/could not be decrypted/);
    // Checksummed or not, an address is the same binding.
    expect(openJson(recipient, sealed, { ...access, escrow: escrow.toLowerCase() as Address })).toEqual({ host: "h" });
  });

  it("refuses a v1 box (no version byte, no associated data) with a clear error", () => {
    const recipient = generateEncryptionKeyPair();
    const v2 = hexToBytes(sealJson(bytesToHex(recipient.publicKey), { a: 1 }, access));
    expect(() => open(recipient, v2.subarray(1), access)).toThrow(/not a v2 sealed box/);
  });

  it("opens one box from its revealed shared secret, and that secret opens no other box", () => {
    const provider = generateEncryptionKeyPair();
    const first = hexToBytes(sealJson(bytesToHex(provider.publicKey), { n: 1 }, access));
    const second = hexToBytes(sealJson(bytesToHex(provider.publicKey), { n: 2 }, access));
    const secret = sharedSecretOf(provider, first);
    expect(JSON.parse(new TextDecoder().decode(openWithSharedSecret(secret, provider.publicKey, first, access)))).toEqual({ n: 1 });
    expect(() => openWithSharedSecret(secret, provider.publicKey, second, access)).toThrow(SealedBoxError);
  });

  it("will not seal to a low-order or non-canonical key", () => {
    expect(() => sealJson(`0x${"00".repeat(32)}`, {}, access)).toThrow(/low-order/);
    expect(() => sealJson(`0x${"ff".repeat(32)}`, {}, access)).toThrow(/not a canonical/);
    expect(x25519PublicKeyProblem(generateEncryptionKeyPair().publicKey)).toBeUndefined();
  });

  it("derives the same key pair from the same signature", () => {
    const sig = `0x${"ab".repeat(65)}` as const;
    expect(keyPairFromSignature(sig).publicKey).toEqual(keyPairFromSignature(sig).publicKey);
  });
});
