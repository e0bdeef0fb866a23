import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { notifyProductionMode, privateAddressReason, webhookUrlProblem } from "./notifications";
import { signWebhook, verifyWebhook } from "./webhook-signature";

describe("webhook signatures", () => {
  const body = JSON.stringify({ id: "1:31337:0xabc:0", kind: "closed" });

  it("verifies its own signature, computed as documented (HMAC-SHA256 of `t.body`)", () => {
    const header = signWebhook("secret", 1_800_000_000, body);
    const mac = createHmac("sha256", "secret").update(`1800000000.${body}`).digest("hex");
    expect(header).toBe(`t=1800000000,v1=${mac}`);
    expect(verifyWebhook("secret", header, body, 1_800_000_000)).toBe(true);
  });

  it("refuses another secret, a changed body, a stale or future stamp, and malformed headers", () => {
    const header = signWebhook("secret", 1_800_000_000, body);
    expect(verifyWebhook("other", header, body, 1_800_000_000)).toBe(false);
    expect(verifyWebhook("secret", header, body.replace("closed", "booked"), 1_800_000_000)).toBe(false);
    expect(verifyWebhook("secret", header, body, 1_800_000_301)).toBe(false);
    expect(verifyWebhook("secret", header, body, 1_799_999_699)).toBe(false);
    expect(verifyWebhook("secret", header, body, 1_800_000_300)).toBe(true);
    for (const bad of [undefined, "", "t=1800000000", "v1=00", `t=x,v1=${"0".repeat(64)}`, "t=1800000000,v1=zz"]) {
      expect(verifyWebhook("secret", bad, body, 1_800_000_000), String(bad)).toBe(false);
    }
  });
});

describe("webhook URLs", () => {
  it("names private, loopback, link-local, shared and reserved addresses, v4 and v6", () => {
    for (const ip of [
      "10.0.0.1",
      "172.16.5.4",
      "172.31.255.255",
      "192.168.0.1",
      "127.0.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "::ffff:7f00:1",
    ]) {
      expect(privateAddressReason(ip), ip).not.toBeNull();
    }
    for (const ip of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "example.com"]) expect(privateAddressReason(ip), ip).toBeNull();
  });

  it("takes http(s) only, without credentials; in production no private or local-only host", () => {
    expect(webhookUrlProblem("ftp://example.com/x", false)).toMatch(/http\(s\)/);
    expect(webhookUrlProblem("not a url", false)).toMatch(/absolute/);
    expect(webhookUrlProblem("https://u:p@example.com/", false)).toMatch(/user name/);
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", false)).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", true)).toMatch(/loopback/);
    expect(webhookUrlProblem("http://0x7f.1/", true)).toMatch(/loopback/); // the URL parser normalises it to 127.0.0.1
    expect(webhookUrlProblem("http://api.internal/", true)).toMatch(/local-only/);
    expect(webhookUrlProblem("https://hooks.example.com/x", true)).toBeNull();
  });

  it("is in production mode when told so, else when the public origin is https", () => {
    expect(notifyProductionMode("1", "http://127.0.0.1:3000")).toBe(true);
    expect(notifyProductionMode("0", "https://gridlease.example")).toBe(false);
    expect(notifyProductionMode(undefined, "https://gridlease.example")).toBe(true);
    expect(notifyProductionMode(undefined, undefined)).toBe(false);
  });
});
