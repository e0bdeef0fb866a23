import { isOnline, ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";

export interface OnlineStatus {
  online: boolean;
  /** "last seen 40 s ago", "last seen 3 h ago", "never seen" (no heartbeat ever). */
  lastSeen: string;
}

/** How long ago, in the largest unit that fits ("40 s", "3 min", "2 h", "5 days"). */
export function agoText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  const days = Math.floor(s / 86_400);
  return `${days} day${days === 1 ? "" : "s"}`;
}

/**
 * Online badge and "last seen" for a provider's last heartbeat, by the wall clock `now` (ms). Online
 * is the one definition in the SDK (ONLINE_WINDOW_SECONDS); a last seen a little ahead of our clock
 * (the server caps it at arrival, another machine's clock may differ) reads as "just now".
 */
export function onlineStatus(lastHeartbeatAt: string | Date | null | undefined, now = Date.now()): OnlineStatus {
  if (!lastHeartbeatAt) return { online: false, lastSeen: "never seen" };
  const seen = new Date(lastHeartbeatAt).getTime();
  if (!Number.isFinite(seen)) return { online: false, lastSeen: "never seen" };
  const age = (now - seen) / 1000;
  return { online: isOnline(new Date(seen), now), lastSeen: age < 5 ? "last seen just now" : `last seen ${agoText(age)} ago` };
}

/** The sentence the UI shows for an offline provider. */
export const OFFLINE_EXPLANATION = `No heartbeat from this provider's agent in the last ${ONLINE_WINDOW_SECONDS / 60} minutes: a booking may not be accepted, and then the deposit stays locked until the acceptance window ends.`;
