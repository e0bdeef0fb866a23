import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { bytesToHex } from "viem";
import { localAccount, localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { createKeyFile } from "../src/keyfile";
import { resolveFleetConfig } from "../src/serve/fleet-config";

const scripts = { provision: { command: "/bin/true" }, deprovision: { command: "/bin/true" } };

describe("fleet config", () => {
  it("refuses Hardhat-mnemonic providers unless the chain is the local one (31337)", () => {
    expect(() => resolveFleetConfig({ ...scripts, providers: [{ mnemonicIndex: 100 }] }, "/tmp")).toThrow(/only allowed with "chainId": 31337/);
    expect(() => resolveFleetConfig({ ...scripts, chainId: 8453, providers: [{ mnemonicIndex: 100 }] }, "/tmp")).toThrow(/only allowed with "chainId": 31337/);
    expect(() => resolveFleetConfig({ ...scripts, chainId: 31337, providers: [{ mnemonicIndex: 100 }] }, "/tmp")).not.toThrow();
  });

  it("queues at most 16 scripts at once unless maxScriptsInFlight says otherwise, and refuses a bound below 1", () => {
    const base = { ...scripts, chainId: 31337, providers: [{ mnemonicIndex: 100 }] };
    expect(resolveFleetConfig(base, "/tmp").maxScriptsInFlight).toBe(16);
    expect(resolveFleetConfig({ ...base, maxScriptsInFlight: 2 }, "/tmp").maxScriptsInFlight).toBe(2);
    expect(() => resolveFleetConfig({ ...base, maxScriptsInFlight: 0 }, "/tmp")).toThrow(/maxScriptsInFlight/);
  });

  it("names each provider by a key file with a passphrase file, or a mnemonic index, never both or neither", () => {
    const base = { ...scripts, chainId: 31337 };
    expect(() => resolveFleetConfig({ ...base, providers: [{ keyFile: "k.json" }] }, "/tmp")).toThrow(/providers\.0: a keyFile needs a passphraseFile/);
    expect(() => resolveFleetConfig({ ...base, providers: [{ keyFile: "k.json", passphraseFile: "p", mnemonicIndex: 1 }] }, "/tmp")).toThrow(
      /either keyFile .* or mnemonicIndex/,
    );
    expect(() => resolveFleetConfig({ ...base, providers: [{}] }, "/tmp")).toThrow(/either keyFile .* or mnemonicIndex/);
    expect(() => resolveFleetConfig({ ...base, providers: [] }, "/tmp")).toThrow(/providers/);
  });

  it("unlocks key-file providers with their passphrase file (paths relative to the config) and derives mnemonic providers' seeded keys", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-fleet-config-"));
    const created = await createKeyFile(path.join(dir, "gpu-7.json"), "fleet passphrase", { scryptN: 1024 });
    await writeFile(path.join(dir, "gpu-7.passphrase"), "fleet passphrase\n");
    const fleet = resolveFleetConfig(
      {
        ...scripts,
        chainId: 31337,
        stateDir: "state",
        providers: [
          { keyFile: "gpu-7.json", passphraseFile: "gpu-7.passphrase" },
          { mnemonicIndex: 104, offline: true },
        ],
      },
      dir,
    );
    expect(fleet.stateRoot).toBe(path.join(dir, "state"));
    const [fromFile, fromMnemonic] = await Promise.all(fleet.members.map((m) => m.keys()));
    expect(fromFile!.account.address).toBe(created.address);
    expect(bytesToHex(fromFile!.encryption.publicKey)).toBe(created.encryptionPublicKey);
    expect(fromMnemonic!.account.address).toBe(localAccount(104).address);
    expect(bytesToHex(fromMnemonic!.encryption.publicKey)).toBe(localProviderEncryptionPublicKey(104));
    expect(fleet.members[1]!.source.offline).toBe(true);
  });
});
