import { bytesToHex, hexToBytes, keccak256, toHex, type Hex } from "viem";
import { pbkdf2Sync } from "node:crypto";
import { HDKey, hdKeyToAccount, type HDAccount } from "viem/accounts";
import { keyPairFromPrivateKey, type EncryptionKeyPair } from "./crypto";
import { HARDHAT_MNEMONIC } from "./protocol";

/**
 * Accounts of the local development chain only. The Hardhat mnemonic is public, so anything derived
 * here (signing keys and the seeded providers' encryption keys) is known to everyone and must never
 * hold value: callers refuse these on any chain but LOCAL_CHAIN_ID.
 */
export { HARDHAT_MNEMONIC, LOCAL_CHAIN_ID } from "./protocol";

/** Hardhat-mnemonic account `index` (the seed's providers are #100…, its renters #190…). */
export function localAccount(index: number): HDAccount {
  return hdKeyToAccount(masterKey(), { addressIndex: index });
}

let master: HDKey | undefined;

/**
 * The BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic") computed once: viem's
 * mnemonicToAccount recomputes it per account, which made a 500-provider fleet take a minute to start.
 */
function masterKey(): HDKey {
  master ??= HDKey.fromMasterSeed(pbkdf2Sync(HARDHAT_MNEMONIC.normalize("NFKD"), "mnemonic", 2048, 64, "sha512"));
  return master;
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
