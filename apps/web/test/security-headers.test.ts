import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nextConfig, { STATIC_SECURITY_HEADERS as CONFIG_HEADERS } from "@/next.config";
import { contentSecurityPolicy, STATIC_SECURITY_HEADERS } from "@/lib/security-headers";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { startDispatchServer, type DispatchServer } from "./dispatch-server-process";

const RPC_URL = "http://127.0.0.1:8545";
let server: DispatchServer;
// POST /api/auth/nonce stores its nonce in PostgreSQL (shared by every web process): a real one.
let postgres: RunningPostgres;

beforeAll(async () => {
  postgres = await startTempPostgres("gridlease-web-headers-");
  await runMigrations(postgres.url);
  server = await startDispatchServer({ RPC_URL, DATABASE_URL: postgres.url });
}, 120_000);

afterAll(async () => {
  server?.stop();
  await postgres?.stop();
});

/** A POST declaring 50 MiB and sending 10 bytes, answered as a fetch Response. */
function declaredTooLarge(port: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/api/auth/verify",
      agent: false,
      headers: { "content-length": String(50 * 1024 * 1024) },
    });
    request.once("error", reject);
    request.once("response", (response) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") headers.set(name, value);
      response.resume();
      response.once("end", () => {
        request.destroy();
        resolve(new Response(null, { status: response.statusCode, headers }));
      });
    });
    request.write("x".repeat(10));
  });
}

function directives(policy: string | null): Map<string, string> {
  return new Map(
    (policy ?? "")
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(" ")[0]!, d.slice(d.indexOf(" ") + 1)]),
  );
}

describe("security headers on the production server's answers", () => {
  it("forbids framing and sends a CSP without 'unsafe-eval' on API-lane reads, Next routes and early refusals", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const answers = [
      await fetch(`${base}/api/offers?minGpus=lots`), // API lane
      await fetch(`${base}/api/auth/nonce`, { method: "POST" }), // Next route
      await declaredTooLarge(server.port), // the server's 413 before anyone reads the body
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 200, 413]);
    for (const answer of answers) {
      await answer.arrayBuffer();
      expect(answer.headers.get("x-frame-options"), answer.url).toBe("DENY");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      const csp = directives(answer.headers.get("content-security-policy"));
      expect(csp.get("frame-ancestors")).toBe("'none'");
      expect(csp.get("script-src")).toBe("'self' 'unsafe-inline'");
      expect(csp.get("connect-src")).toBe(`'self' ${RPC_URL}`);
      expect(csp.get("object-src")).toBe("'none'");
      expect(answer.headers.get("content-security-policy")).not.toContain("unsafe-eval");
    }
  });
});

describe("Next's own headers (next.config.ts)", () => {
  it("sends X-Frame-Options DENY and nosniff on every path", async () => {
    expect(CONFIG_HEADERS).toEqual(STATIC_SECURITY_HEADERS);
    const rules = await nextConfig.headers!();
    expect(rules).toEqual([{ source: "/:path*", headers: Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value })) }]);
  });

  it("keeps connect-src to this site when RPC_URL is missing or invalid", () => {
    expect(directives(contentSecurityPolicy(undefined)).get("connect-src")).toBe("'self'");
    expect(directives(contentSecurityPolicy("not a url")).get("connect-src")).toBe("'self'");
  });
});
