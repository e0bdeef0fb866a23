"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { webApi } from "@/lib/api-client";
import { useSignInSignature } from "@/lib/use-sign-in-signature";

export type { AdminSession as AdminSessionInfo } from "@gridlease/client";

/** EIP-4361 sign-in against /api/auth/*: fresh nonce, message bound to this host and chain, one signature. */
export function useAdminSession() {
  const { address, sign } = useSignInSignature("Sign in to the Gridlease arbiter console.");
  const queryClient = useQueryClient();
  const [signInError, setSignInError] = useState<{ status: number; message: string } | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  const session = useQuery({
    queryKey: ["admin-session"],
    queryFn: async () => (await webApi.getSession()).session,
  });

  const signIn = useCallback(async () => {
    if (!address) return;
    setSignInError(null);
    setSigningIn(true);
    try {
      const { message, signature } = await sign();
      await webApi.verifySignIn({ message, signature }); // a refusal throws GridleaseApiError with its status
      await queryClient.invalidateQueries({ queryKey: ["admin-session"] });
      await queryClient.invalidateQueries({ queryKey: ["disputes"] });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
      setSignInError({ status, message: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
    } finally {
      setSigningIn(false);
    }
  }, [address, queryClient, sign]);

  const signOut = useCallback(async () => {
    await webApi.signOut();
    await queryClient.invalidateQueries({ queryKey: ["admin-session"] });
  }, [queryClient]);

  return { session: session.data, loading: session.isLoading, signIn, signOut, signInError, signingIn };
}
