"use client";
import { useCallback } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useSignMessage } from "wagmi";
import { useAppConfig } from "@/lib/app-config";
import { webApi } from "@/lib/api-client";

/**
 * The EIP-4361 half of every sign-in (arbiter console and account settings alike): a fresh nonce, a
 * message bound to this host and chain that expires in five minutes, one wallet signature. Kept in
 * one place so both sign-ins build the message the server's verifier expects in the same way.
 */
export function useSignInSignature(statement: string) {
  const { chainId } = useAppConfig();
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();

  const sign = useCallback(async () => {
    if (!address) throw new Error("Connect a wallet to sign in.");
    const { nonce } = await webApi.createNonce();
    const issuedAt = new Date();
    const message = createSiweMessage({
      address,
      chainId,
      domain: window.location.host,
      uri: window.location.origin,
      version: "1",
      nonce,
      issuedAt,
      expirationTime: new Date(issuedAt.getTime() + 5 * 60_000),
      statement,
    });
    const signature = await signMessageAsync({ message });
    return { message, signature };
  }, [address, chainId, signMessageAsync, statement]);

  return { address, sign };
}
