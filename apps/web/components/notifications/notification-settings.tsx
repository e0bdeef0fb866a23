"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useAccount } from "wagmi";
import { DEFAULT_LOW_BALANCE_SECONDS, NOTIFICATION_KIND_LABELS, NOTIFICATION_KINDS, type NotificationKind } from "@gridlease/sdk/notifications";
import { GridleaseApiError } from "@gridlease/client";
import { webApi } from "@/lib/api-client";
import { shortAddress } from "@/lib/format";
import { NotificationCentre } from "./notification-centre";
import { useAccountSession } from "./use-account-session";

interface Subscription {
  id: string;
  channel: "email" | "webhook";
  target: string;
  kinds: NotificationKind[];
  lowBalanceSeconds: number;
  confirmed: boolean;
  unsubscribed: boolean;
}

// The API names its fields (target, kinds, lowBalanceSeconds); the form says them as its labels do.
const FIELD_LABELS: Record<string, (channel: "email" | "webhook") => string> = {
  target: (channel) => (channel === "email" ? "Email address" : "Webhook URL"),
  kinds: () => "Events",
  lowBalanceSeconds: () => "Low balance hours",
};

/** The API's "field: problem" answer as a sentence that starts with the field's label in this form. */
function formError(e: unknown, channel: "email" | "webhook"): string {
  if (!(e instanceof Error)) return String(e);
  const field = e instanceof GridleaseApiError ? e.field : undefined;
  const label = field ? FIELD_LABELS[field]?.(channel) : undefined;
  if (!field || !label) return e.message;
  const problem = e.message.startsWith(`${field}: `) ? e.message.slice(field.length + 2) : e.message;
  return `${label}: ${problem.replace(/\.$/, "")}.`;
}

function SubscriptionForm({ onCreated }: { onCreated: (secret?: string) => void }) {
  const [channel, setChannel] = useState<"email" | "webhook">("email");
  const [target, setTarget] = useState("");
  const [kinds, setKinds] = useState<NotificationKind[]>([...NOTIFICATION_KINDS]);
  const [hours, setHours] = useState(String(DEFAULT_LOW_BALANCE_SECONDS / 3600));
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await webApi.request<{ secret?: string }>("POST", "/api/notifications/subscriptions", {
        body: { channel, target, kinds, lowBalanceSeconds: Math.round(Number(hours) * 3600) },
      });
      setTarget("");
      onCreated(result.secret);
    } catch (e) {
      setError(formError(e, channel));
    }
  };
  return (
    <form className="card space-y-3" onSubmit={submit} aria-labelledby="new-sub-title">
      <h2 id="new-sub-title" className="text-lg font-semibold">
        Add an email address or webhook
      </h2>
      <div className="flex flex-wrap gap-3">
        <select className="input" aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value as "email" | "webhook")}>
          <option value="email">Email</option>
          <option value="webhook">Webhook</option>
        </select>
        <input
          className="input min-w-64 flex-1"
          aria-label={channel === "email" ? "Email address" : "Webhook URL"}
          placeholder={channel === "email" ? "you@example.com" : "https://example.com/gridlease-hook"}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
      </div>
      <fieldset className="grid gap-1 text-sm sm:grid-cols-2">
        <legend className="mb-1 text-slate-400">Events</legend>
        {NOTIFICATION_KINDS.map((kind) => (
          <label key={kind} className="flex items-start gap-2">
            <input
              type="checkbox"
              checked={kinds.includes(kind)}
              onChange={(e) => setKinds(e.target.checked ? [...kinds, kind] : kinds.filter((k) => k !== kind))}
            />
            <span>{NOTIFICATION_KIND_LABELS[kind]}</span>
          </label>
        ))}
      </fieldset>
      <label className="block text-sm text-slate-300">
        Low balance when less than <input className="input w-20" aria-label="Low balance hours" value={hours} onChange={(e) => setHours(e.target.value)} />{" "}
        hours are left
      </label>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <button type="submit" className="btn-primary">
        Subscribe
      </button>
      <p className="text-xs text-slate-400">
        An email address receives a confirmation link first; nothing else is sent to it until you follow it. Webhooks are signed (see docs/notifications.md).
      </p>
    </form>
  );
}

/** Subscriptions and the notification centre of the signed-in wallet. */
export function NotificationSettings() {
  const { address, isConnected } = useAccount();
  const { session, loading, signIn, signOut, error, signingIn } = useAccountSession();
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const signedIn = !!session && !!address && session.address.toLowerCase() === address.toLowerCase();
  const subscriptions = useQuery({
    queryKey: ["notify-subscriptions", session?.address],
    enabled: signedIn,
    queryFn: async () => (await webApi.request<{ subscriptions: Subscription[] }>("GET", "/api/notifications/subscriptions")).subscriptions,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["notify-subscriptions"] });
  const act = async (method: string, path: string) => {
    setActionError(null);
    try {
      await webApi.request(method, path);
      await refresh();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!isConnected)
    return <div className="card text-sm text-slate-300">Connect your wallet (renter or provider), then sign in to choose where lease events reach you.</div>;
  if (loading) return <p className="text-sm text-slate-400">Checking your session…</p>;
  if (!signedIn) {
    return (
      <div className="card space-y-2">
        <p className="text-sm text-slate-300">Sign in with Ethereum as {address ? shortAddress(address) : "your wallet"}. The signature costs nothing.</p>
        <button type="button" className="btn-primary" disabled={signingIn} onClick={signIn}>
          {signingIn ? "Waiting for signature…" : "Sign in with Ethereum"}
        </button>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-400">
        <span data-testid="account-session">Signed in as {shortAddress(session.address)}</span>
        <button type="button" className="btn-ghost" onClick={signOut}>
          Sign out
        </button>
      </div>
      {secret && (
        <div role="status" className="card border-amber-500/40 text-sm">
          Webhook signing secret (shown once; keep it with your receiver):{" "}
          <code className="break-all" data-testid="webhook-secret">
            {secret}
          </code>
        </div>
      )}
      <SubscriptionForm
        onCreated={(s) => {
          setSecret(s ?? null);
          void refresh();
        }}
      />
      <section className="card space-y-2" aria-labelledby="subs-title">
        <h2 id="subs-title" className="text-lg font-semibold">
          Your subscriptions
        </h2>
        {actionError && (
          <p role="alert" className="field-error">
            {actionError}
          </p>
        )}
        {subscriptions.data?.length === 0 && <p className="text-sm text-slate-400">None yet.</p>}
        <ul className="divide-y divide-slate-800 text-sm">
          {subscriptions.data?.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="subscription-row">
              <span>
                {s.channel} <strong>{s.target}</strong> · {s.kinds.length} event kinds · low balance &lt; {s.lowBalanceSeconds / 3600} h ·{" "}
                {s.unsubscribed ? (
                  <span className="text-rose-300">unsubscribed</span>
                ) : s.confirmed ? (
                  <span className="text-emerald-300">active</span>
                ) : (
                  <span className="text-amber-300">waiting for the confirmation link</span>
                )}
              </span>
              <span className="flex gap-2">
                <button type="button" className="btn-ghost" onClick={() => act("POST", `/api/notifications/subscriptions/${s.id}/test`)}>
                  Send a test
                </button>
                <button type="button" className="btn-ghost" onClick={() => act("DELETE", `/api/notifications/subscriptions/${s.id}`)}>
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      </section>
      <NotificationCentre />
    </div>
  );
}
