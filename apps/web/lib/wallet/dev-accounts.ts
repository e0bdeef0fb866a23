import type { HDAccount } from "viem/accounts";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";

/** Hardhat's default mnemonic: every local node funds these accounts, so it is public by design. */
export { HARDHAT_MNEMONIC, LOCAL_CHAIN_ID } from "@gridlease/sdk/protocol";

/**
 * #0 admin and #2 treasury are the deployment's own; the dev wallet offers #1 (the arbiter, so the
 * console can be tried) and #3..#19 for renters and providers.
 */
export const DEV_ACCOUNT_INDICES = [1, ...Array.from({ length: 17 }, (_, i) => i + 3)];

export function devAccountRole(index: number): string {
  if (index === 1) return "arbiter";
  if (index <= 5) return "renter";
  if (index <= 9) return "provider";
  return "spare";
}

let masterKeyPromise: Promise<import("viem/accounts").HDKey> | undefined;

/**
 * BIP-39 seed via WebCrypto PBKDF2 (native, one pass) instead of `mnemonicToAccount`, which
 * re-runs the 2048-round PBKDF2 in JavaScript for every account listed.
 */
async function masterKey() {
  masterKeyPromise ??= (async () => {
    const { HDKey } = await import("viem/accounts");
    const encoder = new TextEncoder();
    const keyMaterial = await crypto.subtle.importKey("raw", encoder.encode(HARDHAT_MNEMONIC.normalize("NFKD")), "PBKDF2", false, ["deriveBits"]);
    const seed = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt: encoder.encode("mnemonic"), iterations: 2048 }, keyMaterial, 512);
    return HDKey.fromMasterSeed(new Uint8Array(seed));
  })();
  return masterKeyPromise;
}

const accountCache = new Map<number, HDAccount>();

export async function devAccount(index: number): Promise<HDAccount> {
  const cached = accountCache.get(index);
  if (cached) return cached;
  const [{ hdKeyToAccount }, key] = await Promise.all([import("viem/accounts"), masterKey()]);
  const account = hdKeyToAccount(key, { addressIndex: index });
  accountCache.set(index, account);
  return account;
}
