import { bytesToHex, hexToBytes, keccak256, toHex, type Hex } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { keyPairFromPrivateKey, type EncryptionKeyPair } from "./crypto";

/**
 * Accounts of the local development chain only. The Hardhat mnemonic is public, so anything derived
 * here (signing keys and the seeded providers' encryption keys) is known to everyone and must never
 * hold value: callers refuse these on any chain but LOCAL_CHAIN_ID.
 */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const LOCAL_CHAIN_ID = 31337;

/** Hardhat-mnemonic account `index` (the seed's providers are #100…, its renters #190…). */
export function localAccount(index: number): HDAccount {
  return mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
}

/**
 * The X25519 key pair a seeded provider registers, derived from its mnemonic index so the seed (which
 * registers the public key) and the local provider fleet (which decrypts renters' requests) agree
 * without passing a secret between them.
 */
export function localProviderEncryptionKeys(index: number): EncryptionKeyPair {
  return keyPairFromPrivateKey(hexToBytes(keccak256(toHex(`gridlease-local-provider-encryption-${index}`))));
}

export function localProviderEncryptionPublicKey(index: number): Hex {
  return bytesToHex(localProviderEncryptionKeys(index).publicKey);
}
