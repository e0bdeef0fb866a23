"use client";
import { useCallback } from "react";
import { ENCRYPTION_KEY_MESSAGE, keyPairFromSignature, type EncryptionKeyPair } from "@gridlease/sdk/crypto";
import { useAccount, useSignMessage } from "wagmi";

// Kept in this tab's memory only: the private key is re-derived from a wallet signature when needed
// and never stored or sent anywhere.
const keys = new Map<string, EncryptionKeyPair>();

export function useRenterKey() {
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const cached = address ? keys.get(address.toLowerCase()) : undefined;
  const derive = useCallback(async (): Promise<EncryptionKeyPair> => {
    if (!address) throw new Error("Connect a wallet first.");
    const existing = keys.get(address.toLowerCase());
    if (existing) return existing;
    const signature = await signMessageAsync({ message: ENCRYPTION_KEY_MESSAGE });
    const pair = keyPairFromSignature(signature);
    keys.set(address.toLowerCase(), pair);
    return pair;
  }, [address, signMessageAsync]);
  return { derive, cached };
}
