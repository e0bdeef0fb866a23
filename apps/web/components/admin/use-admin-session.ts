"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useSignMessage } from "wagmi";
import { useAppConfig } from "@/lib/app-config";

export interface AdminSessionInfo {
  address: string;
  chainId: number;
  expiresAt: number;
}

async function apiError(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `Request failed with status ${response.status}.`;
}

/** EIP-4361 sign-in against /api/auth/*: fresh nonce, message bound to this host and chain, one signature. */
export function useAdminSession() {
  const { chainId } = useAppConfig();
  const { address } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const queryClient = useQueryClient();
  const [signInError, setSignInError] = useState<{ status: number; message: string } | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  const session = useQuery({
    queryKey: ["admin-session"],
    queryFn: async (): Promise<AdminSessionInfo | null> => {
      const response = await fetch("/api/auth/session", { cache: "no-store" });
      if (!response.ok) throw new Error(await apiError(response));
      return ((await response.json()) as { session: AdminSessionInfo | null }).session;
    },
  });

  const signIn = useCallback(async () => {
    if (!address) return;
    setSignInError(null);
    setSigningIn(true);
    try {
      const nonceResponse = await fetch("/api/auth/nonce", { method: "POST" });
      if (!nonceResponse.ok) throw Object.assign(new Error(await apiError(nonceResponse)), { status: nonceResponse.status });
      const { nonce } = (await nonceResponse.json()) as { nonce: string };
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
        statement: "Sign in to the Gridlease arbiter console.",
      });
      const signature = await signMessageAsync({ message });
      const verify = await fetch("/api/auth/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, signature }) });
      if (!verify.ok) throw Object.assign(new Error(await apiError(verify)), { status: verify.status });
      await queryClient.invalidateQueries({ queryKey: ["admin-session"] });
      await queryClient.invalidateQueries({ queryKey: ["disputes"] });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
      setSignInError({ status, message: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
    } finally {
      setSigningIn(false);
    }
  }, [address, chainId, queryClient, signMessageAsync]);

  const signOut = useCallback(async () => {
    await fetch("/api/auth/session", { method: "DELETE" });
    await queryClient.invalidateQueries({ queryKey: ["admin-session"] });
  }, [queryClient]);

  return { session: session.data, loading: session.isLoading, signIn, signOut, signInError, signingIn };
}
