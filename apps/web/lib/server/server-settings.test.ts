import { describe, expect, it } from "vitest";
import { serverSettings } from "./runtime-config";

/** The web server's settings (SESSION_SECRET, TRUSTED_PROXIES, WEB_PROCESSES, ALLOWED_ORIGINS, TRUSTED_GPU_CHECKERS): defaults, and refusals that name the variable. */
describe("serverSettings", () => {
  it("defaults to no secret, no proxies, one process and no extra origins", () => {
    expect(serverSettings({ SESSION_SECRET: "" })).toEqual({
      SESSION_SECRET: undefined,
      TRUSTED_PROXIES: [],
      WEB_PROCESSES: 1,
      ALLOWED_ORIGINS: [],
      TRUSTED_GPU_CHECKERS: [],
    });
  });

  it("parses each setting", () => {
    const settings = serverSettings({
      SESSION_SECRET: "s".repeat(32),
      TRUSTED_PROXIES: "10.0.0.0/8, ::1",
      WEB_PROCESSES: "4",
      ALLOWED_ORIGINS: "https://app.example/, http://127.0.0.1:4000",
      TRUSTED_GPU_CHECKERS: "0xE77478D9E136D3643cFc6fef578Abf63F9Ab91B1, 0x00000000000000000000000000000000000000a1",
    });
    expect(settings).toEqual({
      SESSION_SECRET: "s".repeat(32),
      TRUSTED_PROXIES: [
        { address: "10.0.0.0", bits: 8, family: "ipv4" },
        { address: "::1", bits: 128, family: "ipv6" },
      ],
      WEB_PROCESSES: 4,
      ALLOWED_ORIGINS: ["https://app.example", "http://127.0.0.1:4000"],
      TRUSTED_GPU_CHECKERS: ["0xe77478d9e136d3643cfc6fef578abf63f9ab91b1", "0x00000000000000000000000000000000000000a1"],
    });
  });

  it.each([
    [{ SESSION_SECRET: "short" }, /SESSION_SECRET must be at least 32 characters/],
    [{ TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal" }, /TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR range/],
    [{ WEB_PROCESSES: "65" }, /WEB_PROCESSES must be a whole number from 1 to 64, got "65"/],
    [{ WEB_PROCESSES: "two" }, /WEB_PROCESSES must be a whole number from 1 to 64/],
    [{ ALLOWED_ORIGINS: "app.example" }, /ALLOWED_ORIGINS: "app.example" is not an http\(s\) origin/],
    [{ ALLOWED_ORIGINS: "https://app.example/path" }, /ALLOWED_ORIGINS: "https:\/\/app.example\/path" is not an http\(s\) origin/],
    [
      { TRUSTED_GPU_CHECKERS: "0xE77478D9E136D3643cFc6fef578Abf63F9Ab91B1, watcher" },
      /TRUSTED_GPU_CHECKERS must be comma-separated 0x-prefixed 20-byte addresses/,
    ],
  ])("refuses %o with a sentence naming the variable", (env, message) => {
    expect(() => serverSettings(env)).toThrow(message);
  });
});
