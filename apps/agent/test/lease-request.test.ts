import { describe, expect, it } from "vitest";
import { bytesToHex } from "viem";
import { generateEncryptionKeyPair, sealJson } from "@gridlease/sdk/crypto";
import { decryptLeaseRequest, LeaseRequestError } from "../src/serve/lease-request";

const provider = generateEncryptionKeyPair();
const renterKey = bytesToHex(generateEncryptionKeyPair().publicKey);
const seal = (payload: unknown) => sealJson(bytesToHex(provider.publicKey), payload);
const ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a";

describe("decryptLeaseRequest", () => {
  it("accepts the key formats renters paste, trimming the trailing newline of a .pub file", () => {
    for (const key of [ed25519, `${ed25519} josé@laptop`, "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= me", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t yubikey"]) {
      expect(decryptLeaseRequest(provider, seal({ sshPublicKey: `${key}\n`, renterEncryptionKey: renterKey })).sshPublicKey).toBe(key);
    }
  });

  it("refuses keys that would add options or a second line to authorized_keys", () => {
    for (const key of [`${ed25519}\nssh-rsa AAAAB3 attacker`, `command="sh" ${ed25519}`, "ssh-ed25519", `${ed25519} a\rb`, "not a key"]) {
      expect(() => decryptLeaseRequest(provider, seal({ sshPublicKey: key, renterEncryptionKey: renterKey }))).toThrow(
        "the renter's request is malformed (sshPublicKey: not a single-line OpenSSH public key)",
      );
    }
  });

  it("names a missing renter key and a request sealed to someone else", () => {
    expect(() => decryptLeaseRequest(provider, seal({ sshPublicKey: ed25519 }))).toThrow(/renterEncryptionKey/);
    const other = generateEncryptionKeyPair();
    const foreign = sealJson(bytesToHex(other.publicKey), { sshPublicKey: ed25519, renterEncryptionKey: renterKey });
    expect(() => decryptLeaseRequest(provider, foreign)).toThrow(LeaseRequestError);
    expect(() => decryptLeaseRequest(provider, foreign)).toThrow(/cannot be decrypted with this provider's key/);
  });
});
