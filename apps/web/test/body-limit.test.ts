import http from "node:http";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDispatchServer, type DispatchServer } from "./dispatch-server-process";

// A real HTTP server in its own process (http/main.ts's dispatch, Next's route adapter, the real
// sign-in route), so its peak memory can be read from /proc while a client streams a huge body.
let server: DispatchServer;
let port: number;

beforeAll(async () => {
  server = await startDispatchServer({ API_WRITE_RATE_LIMIT_BURST: "100000", API_RATE_LIMIT_BURST: "100000" });
  port = server.port;
}, 120_000);

afterAll(() => server?.stop());

const peakRssMiB = () => server.peakRssMiB();

interface Sent {
  status: number;
  body: string;
  sentBytes: number;
}

/**
 * Sends up to `totalBytes` (chunked unless `contentLength` is given), respecting backpressure, and
 * stops sending as soon as the answer arrives.
 */
async function send(method: string, path: string, totalBytes: number, contentLength?: number): Promise<Sent> {
  const request = http.request({
    host: "127.0.0.1",
    port,
    method,
    path,
    agent: false,
    headers: { "content-type": "application/json", ...(contentLength !== undefined ? { "content-length": String(contentLength) } : {}) },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    // Node's server resets a connection whose unread body is still arriving once it has answered;
    // that can beat the answer to the client (status 0 here).
    request.once("error", () => resolve({ status: 0, body: "" }));
    request.once("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.once("end", () => resolve({ status: response.statusCode!, body }));
      response.once("error", reject);
    });
  });
  let done = false;
  void answered.then(
    () => (done = true),
    () => (done = true),
  );
  const chunk = Buffer.alloc(1024 * 1024, "a");
  let sentBytes = 0;
  while (!done && sentBytes < totalBytes) {
    const piece = chunk.subarray(0, Math.min(chunk.length, totalBytes - sentBytes));
    sentBytes += piece.length;
    if (!request.write(piece)) await Promise.race([once(request, "drain"), answered.catch(() => {})]);
  }
  if (!done && contentLength === undefined) request.end();
  const result = await answered;
  request.destroy();
  return { ...result, sentBytes };
}

describe("request body limits on a real server", () => {
  it("cuts a chunked body larger than the limit off with 413 naming the body, without the process growing by the body size", async () => {
    const warmUp = await send("POST", "/api/auth/verify", 10);
    expect(warmUp.status).toBe(400); // loads the route; "aaaa…" is not JSON
    const before = peakRssMiB();

    const huge = 256 * 1024 * 1024;
    // The server answers and closes while the client is still sending; the close's reset can reach the
    // client before it has read the answer (status 0, seen once in a loaded CI run). That is TCP, not the
    // server: a reset attempt is sent again, at most three times, and one must read the 413.
    let answer = await send("POST", "/api/auth/verify", huge);
    for (let attempt = 1; attempt < 3 && answer.status === 0; attempt++) {
      expect(answer.sentBytes).toBeLessThan(huge);
      answer = await send("POST", "/api/auth/verify", huge);
    }
    expect(answer.status).toBe(413);
    const growth = peakRssMiB() - before;
    expect(growth, `peak RSS grew by ${growth.toFixed(1)} MiB`).toBeLessThan(48);
    expect(answer.sentBytes).toBeLessThan(huge); // the server stopped taking it in
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "payload_too_large", field: "(body)" } });
  });

  it("answers 413 on a declared Content-Length over the route's limit before reading the body", async () => {
    // 100 KiB declared (under the server's 1 MiB guard, over the route's 64 KiB) but only 1 KiB sent:
    // an answer can only come from the header, since the body never completes.
    const answer = await send("POST", "/api/auth/verify", 1024, 100 * 1024);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.field).toBe("(body)");
  });

  it("answers 413 for a 700 MB Content-Length at the server, in front of the API lane and Next", async () => {
    for (const [method, path] of [
      ["POST", "/api/auth/verify"],
      ["POST", "/"],
      ["GET", "/api/offers"],
    ] as const) {
      const answer = await send(method, path, 1024, 700 * 1024 * 1024);
      expect(answer.status, `${method} ${path}`).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe("payload_too_large");
    }
  });

  it("answers an API-lane read without taking in a chunked body sent with it", async () => {
    const before = peakRssMiB();
    const answer = await send("GET", "/api/offers?minGpus=lots", 256 * 1024 * 1024);
    expect([0, 400]).toContain(answer.status); // answered, or reset by Node once answered: never read
    expect(answer.sentBytes).toBeLessThan(256 * 1024 * 1024);
    expect(peakRssMiB() - before).toBeLessThan(48);
  });
});
