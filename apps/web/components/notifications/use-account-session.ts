"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useSignMessage } from "wagmi";
import { useAppConfig } from "@/lib/app-config";
import { webApi } from "@/lib/api-client";

export interface AccountSession {
  address: string;
  chainId: number;
  expiresAt: number;
}

/** EIP-4361 sign-in as any wallet (the arbiter console's flow, against /api/auth/account). */
export function useAccountSession() {
  const { chainId } = useAppConfig();
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const session = useQuery({
    queryKey: ["account-session"],
    queryFn: async () => (await webApi.request<{ session: AccountSession | null }>("GET", "/api/auth/account")).session,
  });

  const signIn = useCallback(async () => {
    if (!address) return;
    setError(null);
    setSigningIn(true);
    try {
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
        statement: "Sign in to manage your Gridlease notifications.",
      });
      const signature = await signMessageAsync({ message });
      await webApi.request("POST", "/api/auth/account", { body: { message, signature } });
      await queryClient.invalidateQueries({ queryKey: ["account-session"] });
    } catch (e) {
      setError(e instanceof Error ? e.message.split("\n")[0]! : String(e));
    } finally {
      setSigningIn(false);
    }
  }, [address, chainId, queryClient, signMessageAsync]);

  const signOut = useCallback(async () => {
    await webApi.request("DELETE", "/api/auth/account");
    await queryClient.invalidateQueries({ queryKey: ["account-session"] });
  }, [queryClient]);

  return { session: session.data, loading: session.isLoading, signIn, signOut, error, signingIn };
}
