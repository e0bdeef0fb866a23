import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bytesToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openJson, sealJson } from "@gridlease/sdk/crypto";
import { createKeyFile, KeyFileError, readKeyFile, unlockKeyFile } from "../src/keyfile";

// Low scrypt cost keeps the suite fast; the format and code path are the same as the default.
const scryptN = 2 ** 10;

async function tempFile(name: string) {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "gridlease-key-")), name);
}

describe("provider key file", () => {
  it("round-trips both keys, stays private (0600) and keeps no secret in the clear", async () => {
    const file = await tempFile("provider-key.json");
    const privateKey = generatePrivateKey();
    const created = await createKeyFile(file, "correct horse battery", { privateKey, scryptN });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain(privateKey.slice(2));
    const keys = await unlockKeyFile(file, "correct horse battery");
    expect(keys.account.address).toBe(privateKeyToAccount(privateKey).address);
    expect(created.address).toBe(keys.account.address);
    expect(bytesToHex(keys.encryption.publicKey)).toBe(created.encryptionPublicKey);
    // The unlocked X25519 key opens what is sealed to the published public key.
    const context = { kind: "access", chainId: 31337, escrow: keys.account.address, leaseId: 1n, renter: keys.account.address } as const;
    expect(openJson(keys.encryption, sealJson(created.encryptionPublicKey, { ok: 1 }, context), context)).toEqual({ ok: 1 });
  });

  it("rejects a wrong passphrase and a tampered file with clear errors", async () => {
    const file = await tempFile("provider-key.json");
    await createKeyFile(file, "correct horse battery", { scryptN });
    await expect(unlockKeyFile(file, "wrong passphrase")).rejects.toThrow("Wrong passphrase for the provider key file");
    const json = JSON.parse(await readFile(file, "utf8"));
    json.ciphertext = json.ciphertext.slice(0, -2) + (json.ciphertext.endsWith("00") ? "01" : "00");
    await writeFile(file, JSON.stringify(json));
    await expect(unlockKeyFile(file, "correct horse battery")).rejects.toThrow(KeyFileError);
  });

  it("refuses to overwrite a key, short passphrases and non-key files", async () => {
    const file = await tempFile("provider-key.json");
    await createKeyFile(file, "correct horse battery", { scryptN });
    await expect(createKeyFile(file, "correct horse battery", { scryptN })).rejects.toThrow("already exists");
    await expect(createKeyFile(await tempFile("k.json"), "short", { scryptN })).rejects.toThrow("at least 8 characters");
    const other = await tempFile("other.json");
    await writeFile(other, JSON.stringify({ hello: "world" }));
    await expect(readKeyFile(other)).rejects.toThrow("is not a Gridlease provider key file");
    await expect(readKeyFile(path.join(path.dirname(other), "missing.json"))).rejects.toThrow("gridlease-agent init");
  });
});
