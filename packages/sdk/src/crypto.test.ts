import { describe, expect, it } from "vitest";
import { bytesToHex } from "viem";
import { generateEncryptionKeyPair, keyPairFromSignature, openJson, sealJson, SealedBoxError } from "./crypto";

describe("sealed boxes", () => {
  it("round-trips JSON to the intended recipient", () => {
    const renter = generateEncryptionKeyPair();
    const sealed = sealJson(bytesToHex(renter.publicKey), { host: "10.0.0.5", port: 2222 });
    expect(openJson(renter, sealed)).toEqual({ host: "10.0.0.5", port: 2222 });
  });

  it("refuses to open with another key", () => {
    const renter = generateEncryptionKeyPair();
    const stranger = generateEncryptionKeyPair();
    const sealed = sealJson(bytesToHex(renter.publicKey), { secret: 1 });
    expect(() => openJson(stranger, sealed)).toThrow(SealedBoxError);
  });

  it("derives the same key pair from the same signature", () => {
    const sig = `0x${"ab".repeat(65)}` as const;
    expect(keyPairFromSignature(sig).publicKey).toEqual(keyPairFromSignature(sig).publicKey);
  });
});
