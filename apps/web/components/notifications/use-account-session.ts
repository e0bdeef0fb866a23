"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { webApi } from "@/lib/api-client";
import { useSignInSignature } from "@/lib/use-sign-in-signature";

export interface AccountSession {
  address: string;
  chainId: number;
  expiresAt: number;
}

/** EIP-4361 sign-in as any wallet (the arbiter console's flow, against /api/auth/account). */
export function useAccountSession() {
  const { address, sign } = useSignInSignature("Sign in to manage your Gridlease notifications.");
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
      const { message, signature } = await sign();
      await webApi.request("POST", "/api/auth/account", { body: { message, signature } });
      await queryClient.invalidateQueries({ queryKey: ["account-session"] });
    } catch (e) {
      setError(e instanceof Error ? e.message.split("\n")[0]! : String(e));
    } finally {
      setSigningIn(false);
    }
  }, [address, queryClient, sign]);

  const signOut = useCallback(async () => {
    await webApi.request("DELETE", "/api/auth/account");
    await queryClient.invalidateQueries({ queryKey: ["account-session"] });
  }, [queryClient]);

  return { session: session.data, loading: session.isLoading, signIn, signOut, error, signingIn };
}
