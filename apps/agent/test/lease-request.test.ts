import { describe, expect, it } from "vitest";
import { bytesToHex, type Hex } from "viem";
import { generateEncryptionKeyPair, sealJson, type SealContext } from "@gridlease/sdk/crypto";
import { decryptLeaseRequest, LeaseRequestError } from "../src/serve/lease-request";

const provider = generateEncryptionKeyPair();
const renterKey = bytesToHex(generateEncryptionKeyPair().publicKey);
const context: SealContext = {
  kind: "request",
  chainId: 31337,
  escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  offerId: 1n,
  renter: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
};
const seal = (payload: unknown) => sealJson(bytesToHex(provider.publicKey), payload, context);
const decrypt = (sealed: Hex) => decryptLeaseRequest(provider, sealed, context);
const ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a";

/** 32-byte little-endian hex of a u-coordinate. */
function uHex(u: bigint): Hex {
  let hex = "";
  for (let i = 0; i < 32; i++)
    hex += Number((u >> BigInt(8 * i)) & 0xffn)
      .toString(16)
      .padStart(2, "0");
  return `0x${hex}`;
}
const P = 2n ** 255n - 19n;

describe("decryptLeaseRequest", () => {
  it("accepts the key formats renters paste, trimming the trailing newline of a .pub file", () => {
    for (const key of [
      ed25519,
      `${ed25519} josé@laptop`,
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= me",
      "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t yubikey",
    ]) {
      expect(decrypt(seal({ sshPublicKey: `${key}\n`, renterEncryptionKey: renterKey })).sshPublicKey).toBe(key);
    }
  });

  it("refuses keys that would add options or a second line to authorized_keys, or a comment with terminal escapes", () => {
    for (const key of [
      `${ed25519}\nssh-rsa AAAAB3 attacker`,
      `command="sh" ${ed25519}`,
      "ssh-ed25519",
      `${ed25519} a\rb`,
      `${ed25519} a\u001b[2Jb`,
      "not a key",
    ]) {
      expect(() => decrypt(seal({ sshPublicKey: key, renterEncryptionKey: renterKey }))).toThrow(
        "the renter's request is malformed (sshPublicKey: not a single-line OpenSSH public key)",
      );
    }
  });

  // Issue 10, C1: these keys used to pass, provisioning ran, and sealing the access details then threw.
  it("refuses low-order and non-canonical renter encryption keys as invalid requests", () => {
    const lowOrder = [
      0n,
      1n,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n,
      P - 1n,
    ];
    for (const u of lowOrder) {
      const error = (() => {
        try {
          decrypt(seal({ sshPublicKey: ed25519, renterEncryptionKey: uHex(u) }));
        } catch (e) {
          return e;
        }
      })() as LeaseRequestError;
      expect(error).toBeInstanceOf(LeaseRequestError);
      expect(error.kind).toBe("invalid");
      expect(error.message).toMatch(/renterEncryptionKey: a low-order X25519 point/);
    }
    // u ≥ p (p itself, p + 1, 2^255 − 1) and a set top bit: second spellings of other keys.
    const valid = BigInt(`0x${renterKey.slice(2).match(/../g)!.reverse().join("")}`);
    for (const key of [uHex(P), uHex(P + 1n), uHex(2n ** 255n - 1n), uHex(valid + 2n ** 255n)]) {
      expect(() => decrypt(seal({ sshPublicKey: ed25519, renterEncryptionKey: key }))).toThrow(/renterEncryptionKey: not a canonical X25519 public key/);
    }
  });

  it("names a missing renter key and a request sealed to someone else or for another offer", () => {
    expect(() => decrypt(seal({ sshPublicKey: ed25519 }))).toThrow(/renterEncryptionKey/);
    const other = generateEncryptionKeyPair();
    const foreign = sealJson(bytesToHex(other.publicKey), { sshPublicKey: ed25519, renterEncryptionKey: renterKey }, context);
    expect(() => decrypt(foreign)).toThrow(LeaseRequestError);
    expect(() => decrypt(foreign)).toThrow(/cannot be decrypted with this provider's key/);
    const otherOffer = sealJson(bytesToHex(provider.publicKey), { sshPublicKey: ed25519, renterEncryptionKey: renterKey }, { ...context, offerId: 2n });
    expect(() => decrypt(otherOffer)).toThrow(/cannot be decrypted/);
  });
});
