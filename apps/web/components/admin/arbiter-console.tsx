"use client";
import { GridleaseApiError } from "@gridlease/client";
import { useQuery } from "@tanstack/react-query";
import { useAccount } from "wagmi";
import type { DisputeCase } from "@/lib/server/disputes";
import { shortAddress } from "@/lib/format";
import { DisputeCard } from "./dispute-card";
import { webApi } from "@/lib/api-client";
import { useAdminSession } from "./use-admin-session";

interface Queue {
  arbiter: string;
  open: DisputeCase[];
  decided: DisputeCase[];
}

class QueueError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function Refused({ message }: { message: string }) {
  return (
    <div role="alert" className="card border-rose-500/40 text-rose-200" data-testid="admin-refused">
      <h2 className="font-semibold">Access refused</h2>
      <p className="text-sm">{message}</p>
    </div>
  );
}

export function ArbiterConsole() {
  const { address, isConnected } = useAccount();
  const { session, loading, signIn, signOut, signInError, signingIn } = useAdminSession();
  const sessionMatches = !!session && !!address && session.address.toLowerCase() === address.toLowerCase();
  const queue = useQuery({
    queryKey: ["disputes", session?.address],
    enabled: sessionMatches,
    refetchInterval: 3_000,
    retry: false,
    queryFn: async (): Promise<Queue> => {
      try {
        return await webApi.listDisputes<Queue>();
      } catch (error) {
        throw error instanceof GridleaseApiError ? new QueueError(error.status, error.message) : error;
      }
    },
  });

  if (!isConnected) return <div className="card text-sm text-slate-300">Connect the wallet that holds the arbiter role, then sign in.</div>;
  if (loading) return <p className="text-sm text-slate-400">Checking your session…</p>;
  if (!sessionMatches) {
    return (
      <div className="space-y-3">
        <div className="card space-y-2">
          <p className="text-sm text-slate-300">
            Sign in with Ethereum as {address ? shortAddress(address) : "your wallet"}. The signature costs nothing; the server checks the arbiter role on-chain
            on every request.
          </p>
          <button type="button" className="btn-primary" disabled={signingIn} onClick={signIn}>
            {signingIn ? "Waiting for signature…" : "Sign in with Ethereum"}
          </button>
        </div>
        {signInError &&
          (signInError.status === 403 ? (
            <Refused message={signInError.message} />
          ) : (
            <p role="alert" className="field-error">
              {signInError.message}
            </p>
          ))}
      </div>
    );
  }
  if (queue.error instanceof QueueError && (queue.error.status === 403 || queue.error.status === 401)) return <Refused message={queue.error.message} />;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-400">
        <span data-testid="admin-session">Signed in as {shortAddress(session.address)}</span>
        <button type="button" className="btn-ghost" onClick={signOut}>
          Sign out
        </button>
      </div>
      {queue.error && (
        <p role="alert" className="field-error">
          {queue.error.message}
        </p>
      )}
      <section className="space-y-3" aria-labelledby="open-title">
        <h2 id="open-title" className="text-lg font-semibold">
          Open disputes ({queue.data?.open.length ?? "…"})
        </h2>
        {queue.data && queue.data.open.length === 0 && <p className="text-sm text-slate-400">The queue is empty.</p>}
        <ul className="grid gap-3 lg:grid-cols-2">
          {queue.data?.open.map((item) => (
            <DisputeCard key={item.lease.leaseId} item={item} />
          ))}
        </ul>
      </section>
      {queue.data && queue.data.decided.length > 0 && (
        <section className="space-y-3" aria-labelledby="decided-title">
          <h2 id="decided-title" className="text-lg font-semibold">
            Recently decided
          </h2>
          <ul className="grid gap-3 lg:grid-cols-2">
            {queue.data.decided.map((item) => (
              <DisputeCard key={item.lease.leaseId} item={item} decided />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
