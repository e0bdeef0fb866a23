"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { webApi } from "@/lib/api-client";

interface Message {
  id: string;
  channel: string;
  target: string;
  kind: string;
  leaseId: string | null;
  status: "pending" | "retrying" | "sent" | "dead";
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

const STATUS_STYLE: Record<Message["status"], string> = {
  pending: "text-slate-300",
  retrying: "text-amber-300",
  sent: "text-emerald-300",
  dead: "text-rose-300",
};
const STATUS_LABEL: Record<Message["status"], string> = {
  pending: "pending",
  retrying: "failed, retrying",
  sent: "sent",
  dead: "dead letter (retries exhausted)",
};

/** The messages the notifier made for this wallet, as it delivers them (refreshed every few seconds). */
export function NotificationCentre() {
  const [status, setStatus] = useState<"" | Message["status"]>("");
  const messages = useQuery({
    queryKey: ["notify-messages", status],
    refetchInterval: 4_000,
    queryFn: () =>
      webApi.request<{ messages: Message[]; counts: Record<string, number> }>("GET", `/api/notifications/messages${status ? `?status=${status}` : ""}`),
  });
  const counts = messages.data?.counts ?? {};
  return (
    <section className="card space-y-3" aria-labelledby="centre-title" data-testid="notification-centre">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="centre-title" className="text-lg font-semibold">
          Notification centre
        </h2>
        <label className="text-sm text-slate-300">
          Show{" "}
          <select className="input" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">all ({Object.values(counts).reduce((a, b) => a + b, 0)})</option>
            {(["pending", "retrying", "sent", "dead"] as const).map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]} ({counts[s] ?? 0})
              </option>
            ))}
          </select>
        </label>
      </div>
      {messages.error && (
        <p role="alert" className="field-error">
          {(messages.error as Error).message}
        </p>
      )}
      {messages.data && messages.data.messages.length === 0 && <p className="text-sm text-slate-400">No messages yet.</p>}
      <ul className="divide-y divide-slate-800 text-sm">
        {messages.data?.messages.map((m) => (
          <li
            key={m.id}
            className="flex flex-wrap items-baseline justify-between gap-2 py-2"
            data-testid="notification-row"
            data-kind={m.kind}
            data-status={m.status}
            data-lease-id={m.leaseId ?? undefined}
          >
            <span>
              <strong>{m.kind.replace(/_/g, " ")}</strong>
              {m.leaseId && <> · lease #{m.leaseId}</>} · {m.channel} {m.target}
            </span>
            <span className={STATUS_STYLE[m.status]} title={m.lastError ?? undefined} data-testid="notification-status">
              {STATUS_LABEL[m.status]}
              {m.attempts > 1 ? ` after ${m.attempts} attempts` : ""}
              {m.status !== "sent" && m.lastError ? ` — ${m.lastError}` : ""} · {new Date(m.sentAt ?? m.createdAt).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
