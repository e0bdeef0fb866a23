import { onlineStatus } from "@/lib/last-seen";

/**
 * "● online · last seen 40 s ago" / "○ offline · last seen 3 h ago". Usable from server and client
 * components; the relative time is computed where it renders, so the client's text may differ from
 * the server's by the seconds in between (hence suppressHydrationWarning).
 */
export function OnlineBadge({ lastHeartbeatAt, now }: { lastHeartbeatAt: string | null | undefined; now?: number }) {
  const status = onlineStatus(lastHeartbeatAt, now);
  return (
    <span className="inline-flex items-center gap-1.5 text-xs" data-testid="online-badge" data-online={status.online ? "true" : "false"}>
      <span className={`badge ${status.online ? "border-emerald-500/40 bg-emerald-500/10 text-emerald-300" : "border-slate-600 bg-slate-800 text-slate-400"}`}>
        {status.online ? "● online" : "○ offline"}
      </span>
      <span className="text-slate-500" data-testid="last-seen" suppressHydrationWarning>
        {status.lastSeen}
      </span>
    </span>
  );
}
