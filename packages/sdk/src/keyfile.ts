import { readFile, writeFile } from "node:fs/promises";
import { scryptAsync } from "@noble/hashes/scrypt";
import { randomBytes } from "@noble/hashes/utils";
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { bytesToHex, hexToBytes, isHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";
import { generateEncryptionKeyPair, keyPairFromPrivateKey, type EncryptionKeyPair } from "./crypto";
import { SdkError } from "./errors";

/**
 * The key file of the provider agent and the renter CLI: the Ethereum signing key and the X25519 encryption key, encrypted together
 * with a key stretched from the passphrase (scrypt) under XChaCha20-Poly1305, so a wrong passphrase
 * or an edited file is detected rather than yielding garbage keys. Public parts stay readable.
 */
const hex = z.string().refine((v) => isHex(v), "expected 0x-prefixed hex");

const keyFileSchema = z.object({
  format: z.literal("gridlease-provider-key/v1"),
  address: hex,
  encryptionPublicKey: hex,
  kdf: z.object({ name: z.literal("scrypt"), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: hex }),
  cipher: z.object({ name: z.literal("xchacha20poly1305"), nonce: hex }),
  ciphertext: hex,
});

const secretsSchema = z.object({ privateKey: hex, encryptionPrivateKey: hex });

export type KeyFile = z.infer<typeof keyFileSchema>;

export interface ProviderKeys {
  account: PrivateKeyAccount;
  encryption: EncryptionKeyPair;
}

export class KeyFileError extends SdkError {
  readonly code = "key_file";
}

/** How messages name the file and the command that creates one (the agent's by default; the renter CLI passes its own). */
export interface KeyFileWording {
  what: string;
  createWith: string;
}
const AGENT_WORDING: KeyFileWording = { what: "provider key file", createWith: "gridlease-agent init" };

/** scrypt N=2^17, r=8, p=1: the cost geth uses for "standard" keystores (~0.5 s here). */
export const DEFAULT_SCRYPT_N = 2 ** 17;

async function stretch(passphrase: string, kdf: KeyFile["kdf"]): Promise<Uint8Array> {
  return scryptAsync(passphrase.normalize("NFKC"), hexToBytes(kdf.salt as Hex), { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32, maxmem: 2 ** 31 });
}

export async function encryptKeys(
  keys: { privateKey: Hex; encryptionPrivateKey: Uint8Array },
  passphrase: string,
  scryptN = DEFAULT_SCRYPT_N,
): Promise<KeyFile> {
  if (passphrase.length < 8) throw new KeyFileError("Choose a passphrase of at least 8 characters.");
  const kdf = { name: "scrypt" as const, N: scryptN, r: 8, p: 1, salt: bytesToHex(randomBytes(32)) };
  const nonce = randomBytes(24);
  const secrets = JSON.stringify({ privateKey: keys.privateKey, encryptionPrivateKey: bytesToHex(keys.encryptionPrivateKey) });
  const ciphertext = xchacha20poly1305(await stretch(passphrase, kdf), nonce).encrypt(new TextEncoder().encode(secrets));
  return {
    format: "gridlease-provider-key/v1",
    address: privateKeyToAccount(keys.privateKey).address,
    encryptionPublicKey: bytesToHex(keyPairFromPrivateKey(keys.encryptionPrivateKey).publicKey),
    kdf,
    cipher: { name: "xchacha20poly1305", nonce: bytesToHex(nonce) },
    ciphertext: bytesToHex(ciphertext),
  };
}

export async function decryptKeys(file: KeyFile, passphrase: string, wording: KeyFileWording = AGENT_WORDING): Promise<ProviderKeys> {
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(await stretch(passphrase, file.kdf), hexToBytes(file.cipher.nonce as Hex)).decrypt(hexToBytes(file.ciphertext as Hex));
  } catch {
    throw new KeyFileError(`Wrong passphrase for the ${wording.what} (or the file was modified).`);
  }
  const secrets = secretsSchema.parse(JSON.parse(new TextDecoder().decode(plaintext)));
  const account = privateKeyToAccount(secrets.privateKey as Hex);
  const encryption = keyPairFromPrivateKey(hexToBytes(secrets.encryptionPrivateKey as Hex));
  if (account.address.toLowerCase() !== file.address.toLowerCase() || bytesToHex(encryption.publicKey) !== file.encryptionPublicKey.toLowerCase()) {
    throw new KeyFileError(`The ${wording.what}'s public parts do not match its encrypted keys.`);
  }
  return { account, encryption };
}

/** Writes a new key file (mode 0600); refuses to overwrite an existing one. */
export async function createKeyFile(
  filePath: string,
  passphrase: string,
  options: { privateKey?: Hex; scryptN?: number; wording?: KeyFileWording } = {},
): Promise<{ address: Address; encryptionPublicKey: Hex }> {
  const file = await encryptKeys(
    { privateKey: options.privateKey ?? generatePrivateKey(), encryptionPrivateKey: generateEncryptionKeyPair().privateKey },
    passphrase,
    options.scryptN,
  );
  try {
    await writeFile(filePath, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new KeyFileError(`${filePath} already exists; not overwriting a ${(options.wording ?? AGENT_WORDING).what}.`);
    throw error;
  }
  return { address: file.address as Address, encryptionPublicKey: file.encryptionPublicKey as Hex };
}

export async function readKeyFile(filePath: string, wording: KeyFileWording = AGENT_WORDING): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    throw new KeyFileError(`Cannot read ${wording.what} ${filePath}: ${(error as Error).message} (create one with \`${wording.createWith}\`).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`${filePath} is not JSON, so it is not a Gridlease ${wording.what}.`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) throw new KeyFileError(`${filePath} is not a Gridlease ${wording.what}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export async function unlockKeyFile(filePath: string, passphrase: string, wording: KeyFileWording = AGENT_WORDING): Promise<ProviderKeys> {
  return decryptKeys(await readKeyFile(filePath, wording), passphrase, wording);
}
