import { describe, expect, it } from "vitest";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { openJson, sealJson } from "./crypto";
import { HARDHAT_MNEMONIC, localAccount, localProviderEncryptionKeys, localProviderEncryptionPublicKey } from "./local-accounts";

describe("local development accounts", () => {
  it("derive the same addresses as the Hardhat mnemonic at each index", () => {
    for (const index of [0, 1, 100, 135, 599]) {
      expect(localAccount(index).address).toBe(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index }).address);
    }
    expect(localAccount(0).address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });

  it("give each seeded provider an encryption key pair whose public half the seed registers and whose private half opens requests sealed to it", () => {
    const context = {
      kind: "request",
      chainId: 31337,
      escrow: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      offerId: 1n,
      renter: localAccount(190).address,
    } as const;
    const sealed = sealJson(localProviderEncryptionPublicKey(100), { note: "hello" }, context);
    expect(openJson(localProviderEncryptionKeys(100), sealed, context)).toEqual({ note: "hello" });
    expect(bytesToHex(localProviderEncryptionKeys(101).publicKey)).not.toBe(localProviderEncryptionPublicKey(100));
  });
});
