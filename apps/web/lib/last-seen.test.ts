import { ONLINE_WINDOW_SECONDS } from "@gridlease/sdk/heartbeat";
import { describe, expect, it } from "vitest";
import { agoText, onlineStatus } from "./last-seen";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const secondsAgo = (s: number) => new Date(NOW - s * 1000).toISOString();

describe("onlineStatus", () => {
  it("is online up to the window and offline one second after it", () => {
    expect(onlineStatus(secondsAgo(ONLINE_WINDOW_SECONDS), NOW)).toEqual({ online: true, lastSeen: "last seen 2 min ago" });
    expect(onlineStatus(secondsAgo(ONLINE_WINDOW_SECONDS + 1), NOW).online).toBe(false);
  });

  it("says how long ago by the wall clock, in the largest unit that fits", () => {
    expect(onlineStatus(secondsAgo(2), NOW).lastSeen).toBe("last seen just now");
    expect(onlineStatus(secondsAgo(40), NOW).lastSeen).toBe("last seen 40 s ago");
    expect(onlineStatus(secondsAgo(3 * 3600 + 5), NOW)).toEqual({ online: false, lastSeen: "last seen 3 h ago" });
    expect(agoText(86_400)).toBe("1 day");
    expect(agoText(5 * 86_400 + 1)).toBe("5 days");
  });

  it("treats a provider without heartbeats, or an unreadable time, as never seen and offline", () => {
    expect(onlineStatus(null, NOW)).toEqual({ online: false, lastSeen: "never seen" });
    expect(onlineStatus("not a date", NOW)).toEqual({ online: false, lastSeen: "never seen" });
  });

  it("reads a last seen slightly ahead of this clock as just now and online", () => {
    expect(onlineStatus(secondsAgo(-3), NOW)).toEqual({ online: true, lastSeen: "last seen just now" });
  });
});
