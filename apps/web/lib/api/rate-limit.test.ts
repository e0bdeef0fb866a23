import { describe, expect, it, vi } from "vitest";
import { ENV_REREAD_MS } from "@gridlease/db/env";
import { addressKey, clientKey, PEER_ADDRESS_HEADER, peerIsTrustedProxy, RateLimiter, rateLimitAnswer, trustedProxies } from "./rate-limit";

const headers = (values: Record<string, string>) => new Headers(values);
const NONE = trustedProxies("");

describe("clientKey", () => {
  it("keys on the connected peer, whatever X-Forwarded-For or X-Real-IP the client sends", () => {
    for (const spoof of ["1.2.3.4", "5.6.7.8, 9.9.9.9", "garbage"]) {
      expect(clientKey(headers({ [PEER_ADDRESS_HEADER]: "198.51.100.7", "x-forwarded-for": spoof, "x-real-ip": spoof }), NONE)).toBe("198.51.100.7");
    }
    expect(clientKey(headers({ [PEER_ADDRESS_HEADER]: "::ffff:198.51.100.7" }), NONE)).toBe("198.51.100.7");
  });

  it("gives spoofed X-Forwarded-For values no fresh budget", async () => {
    const limiter = new RateLimiter({ ratePerSecond: 0.001, burst: 3 });
    const statuses = await Promise.all(
      Array.from(
        { length: 5 },
        async (_, i) => (await rateLimitAnswer(limiter, headers({ [PEER_ADDRESS_HEADER]: "203.0.113.66", "x-forwarded-for": `10.0.0.${i}` })))?.status ?? 200,
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("behind a trusted proxy, takes the right-most hop that is not a trusted proxy", () => {
    const trusted = trustedProxies("10.0.0.0/8, 2001:db8::/32");
    const via = (xff: string, peer = "10.1.2.3") => clientKey(headers({ [PEER_ADDRESS_HEADER]: peer, "x-forwarded-for": xff }), trusted);
    expect(via("203.0.113.9")).toBe("203.0.113.9");
    expect(via("6.6.6.6, 203.0.113.9")).toBe("203.0.113.9"); // the client wrote 6.6.6.6; the proxy appended the rest
    expect(via("6.6.6.6, 203.0.113.9, 10.9.9.9")).toBe("203.0.113.9"); // two trusted proxies in a row
    expect(via("[2001:db9::1]:443, 2001:db8::5", "2001:db8::7")).toBe("2001:db9:0:0::/64");
    expect(via("203.0.113.9:5151")).toBe("203.0.113.9");
    expect(via("6.6.6.6", "198.51.100.1")).toBe("198.51.100.1"); // an untrusted peer's header is ignored
    expect(via("")).toBe("10.1.2.3");
  });

  it("keys IPv6 clients by their /64, so one host's addresses share a budget", () => {
    const key = (peer: string) => clientKey(headers({ [PEER_ADDRESS_HEADER]: peer }), NONE);
    expect(key("2001:db8:1:2::1")).toBe(key("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"));
    expect(key("2001:db8:1:2::1")).not.toBe(key("2001:db8:1:3::1"));
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::")).toBe("fe80:0:0:0::/64");
    expect(addressKey("203.0.113.9")).toBe("203.0.113.9");
  });

  it("shares one key when no server stamped the peer, rather than trusting a header", () => {
    expect(clientKey(headers({ "x-forwarded-for": "1.2.3.4" }), NONE)).toBe("local");
  });

  it("follows TRUSTED_PROXIES within a second of a change, and answers again for an address it answered before", () => {
    const saved = process.env.TRUSTED_PROXIES;
    const peer = headers({ [PEER_ADDRESS_HEADER]: "10.1.2.3" });
    vi.useFakeTimers();
    const change = (value: string) => {
      process.env.TRUSTED_PROXIES = value;
      vi.advanceTimersByTime(ENV_REREAD_MS);
    };
    try {
      change("");
      expect([peerIsTrustedProxy(peer), peerIsTrustedProxy(peer)]).toEqual([false, false]);
      change("10.0.0.0/8");
      expect([peerIsTrustedProxy(peer), peerIsTrustedProxy(peer)]).toEqual([true, true]);
      expect(peerIsTrustedProxy(headers({ [PEER_ADDRESS_HEADER]: "11.1.2.3" }))).toBe(false);
      change("192.168.0.0/16");
      expect(peerIsTrustedProxy(peer)).toBe(false);
    } finally {
      vi.useRealTimers();
      if (saved === undefined) delete process.env.TRUSTED_PROXIES;
      else process.env.TRUSTED_PROXIES = saved;
    }
  });

  it("refuses a malformed TRUSTED_PROXIES entry", () => {
    expect(() => trustedProxies("10.0.0.0/33")).toThrow(/TRUSTED_PROXIES/);
    expect(() => trustedProxies("proxy.internal")).toThrow(/TRUSTED_PROXIES/);
  });
});
