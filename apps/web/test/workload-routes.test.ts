import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLaunchSpec, launchSpecHash } from "@gridlease/sdk/launch-spec";
import { call, relaxRateLimits, type Handler } from "./route-harness";

// The route modules read the rate limits when they load, so they are imported after lifting them.
relaxRateLimits();
const check = (await import("@/app/api/launch-specs/check/route")) as { POST: Handler };
const relay = (await import("@/app/api/workloads/relay/route")) as { POST: Handler };

/**
 * POST /api/launch-specs/check and POST /api/workloads/relay through their real route modules (issue
 * 16). The relay is pointed at a local HTTP server answering the way the agent's status API does
 * (apps/agent/src/workloads/status-server.ts, tested with real containers in the agent suite), so each
 * answer the relay must map can be produced on demand.
 */
const DIGEST = `sha256:${"ab".repeat(32)}`;
const TOKEN = "c".repeat(64);

async function post(handler: Handler, path: string, body: unknown) {
  const response = await call(handler, {
    method: "POST",
    path,
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: await response.json() };
}

describe("POST /api/launch-specs/check", () => {
  it("answers a valid spec with its normalised form and hash", async () => {
    const spec = { template: "custom", image: `ghcr.io/me/app@${DIGEST}`, ports: [8080], env: { A: "1" }, command: "serve", diskGb: 10 };
    const { status, body } = await post(check.POST, "/api/launch-specs/check", spec);
    expect(status).toBe(200);
    expect(body).toEqual({ valid: true, spec, launchSpecHash: launchSpecHash(checkLaunchSpec(spec).spec!) });
  });

  it.each([
    [{ template: "windows" }, "template", /^Template: unknown template/],
    [{ template: "custom", image: "Not An Image" }, "image", /^Image: not a valid image reference/],
    [{ template: "custom", image: "ubuntu:24.04" }, "image", /^Image: pin the image by digest/],
    [{ template: "linux-ssh", ports: [70000] }, "ports.0", /^Ports \(port 1\): a port is a whole number from 1 to 65535\.$/],
    [{ template: "linux-ssh", ports: [22, 22] }, "ports", /^Ports: a port is listed twice\.$/],
    [{ template: "linux-ssh", env: { BIG: "x".repeat(9000) } }, "env", /^Environment: the environment variables exceed 8 KiB in total\.$/],
    [{ template: "linux-ssh", env: { "bad name": "1" } }, "env.bad name", /^Environment \(bad name\): environment variable names are/],
    [{ template: "linux-ssh", env: { NVIDIA_VISIBLE_DEVICES: "all" } }, "env.NVIDIA_VISIBLE_DEVICES", /reserved/],
    [{ template: "linux-ssh", diskGb: 0 }, "diskGb", /^Disk size: the disk size is at least 1 GB\.$/],
    [{ template: "linux-ssh", diskGb: 10_000 }, "diskGb", /^Disk size: the disk size is at most 4096 GB\.$/],
    [{ template: "linux-ssh", runtimeFlags: ["--privileged"] }, "runtimeFlags", /^Launch spec: unknown field "runtimeFlags"\.$/],
  ])("refuses a spec with 400 naming the field (%#)", async (spec, field, message) => {
    const { status, body } = await post(check.POST, "/api/launch-specs/check", spec);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: "invalid_launch_spec", field });
    expect(body.error.message).toMatch(message);
  });

  it("refuses a body that is not JSON with 400", async () => {
    const { status, body } = await post(check.POST, "/api/launch-specs/check", "{nope");
    expect(status).toBe(400);
    expect(body.error.message).toBeTruthy();
  });
});

describe("POST /api/workloads/relay", () => {
  let agent: Server;
  let base: string;
  const seen: { url: string; authorization?: string; method?: string }[] = [];
  const status = {
    leaseId: "4",
    state: "running",
    exitCode: null,
    error: null,
    template: "custom",
    image: `x@${DIGEST}`,
    launchSpecHash: `0x${"1".repeat(64)}`,
    endpoints: [{ containerPort: 80, host: "127.0.0.1", hostPort: 32000 }],
    logs: ["hello"],
    removeAt: null,
  };

  beforeAll(async () => {
    agent = createServer((req, res) => {
      seen.push({ url: req.url!, authorization: req.headers.authorization, method: req.method });
      const answer = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, { error: "token" });
      if (req.url!.startsWith("/leases/4/workload")) return answer(200, status);
      if (req.url!.startsWith("/leases/5/workload")) return answer(200, "not json");
      if (req.url!.startsWith("/leases/6/workload")) return answer(200, { ...status, state: "hacked" });
      if (req.url!.startsWith("/leases/7/workload")) {
        res.writeHead(302, { location: "http://169.254.169.254/" });
        return res.end();
      }
      if (req.url === "/leases/workloads") return answer(200, { workloads: [status] });
      answer(404, { error: "none" });
    });
    await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => agent.close(() => resolve())));

  it("passes the token to the agent and answers its status (and the provider's list)", async () => {
    const { status: code, body } = await post(relay.POST, "/api/workloads/relay", { url: `${base}/leases/4/workload`, token: TOKEN, lines: 20 });
    expect(code).toBe(200);
    expect(body).toEqual(status);
    expect(seen.at(-1)).toEqual({ url: "/leases/4/workload?lines=20", authorization: `Bearer ${TOKEN}`, method: "GET" });
    expect((await post(relay.POST, "/api/workloads/relay", { url: `${base}/leases/workloads`, token: TOKEN })).body).toEqual({ workloads: [status] });
  });

  it.each([
    [{ url: "ftp://127.0.0.1/leases/4/workload", token: TOKEN }, "url"],
    [{ url: "http://user:pw@127.0.0.1/leases/4/workload", token: TOKEN }, "url"],
    [{ url: "http://127.0.0.1/admin", token: TOKEN }, "url"],
    [{ url: "http://127.0.0.1/leases/4/workload?x=1", token: TOKEN }, "url"],
    [{ url: "http://127.0.0.1/leases/4/workload", token: "short" }, "token"],
    [{ url: "http://127.0.0.1/leases/4/workload", token: TOKEN, lines: 5000 }, "lines"],
    [{ url: "http://127.0.0.1/leases/4/workload", token: TOKEN, extra: 1 }, "extra"],
  ])("refuses a relay request with 400 naming %1$s, never calling the agent (%#)", async (body, field) => {
    const before = seen.length;
    const answer = await post(relay.POST, "/api/workloads/relay", body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe(field);
    expect(seen.length).toBe(before);
  });

  it("maps the agent's refusals and bad answers to sentences", async () => {
    const wrong = await post(relay.POST, "/api/workloads/relay", { url: `${base}/leases/4/workload`, token: "d".repeat(64) });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { field: "token", message: "The provider's agent refused this token: it is not the token for this lease." } },
    });
    expect((await post(relay.POST, "/api/workloads/relay", { url: `${base}/leases/9/workload`, token: TOKEN })).status).toBe(404);
    for (const id of [5, 6, 7]) {
      const bad = await post(relay.POST, "/api/workloads/relay", { url: `${base}/leases/${id}/workload`, token: TOKEN });
      expect(bad.status).toBe(502);
      expect(bad.body.error.message).toMatch(/^The provider's agent /);
    }
    const closed = await post(relay.POST, "/api/workloads/relay", { url: "http://127.0.0.1:1/leases/4/workload", token: TOKEN });
    expect(closed).toMatchObject({ status: 502, body: { error: { message: "The provider's agent at 127.0.0.1:1 cannot be reached." } } });
  });
});
