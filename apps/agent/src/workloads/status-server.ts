import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../log";
import type { WorkloadManager } from "./manager";

/**
 * The renter's window on a workload (issue 16): GET /leases/<id>/workload?lines=N answers status,
 * endpoints and the last N log lines to the lease's bearer token (sealed to the renter in the accept
 * payload) or the provider's token; GET /leases/workloads lists every lease for the provider's token.
 * Nothing is answered without a token, and a wrong token gets the same 401 whether or not the lease
 * exists, so lease ids cannot be probed.
 */
export class StatusServer {
  private server?: Server;

  constructor(
    private readonly manager: WorkloadManager,
    private readonly log: Logger,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify(body));
      };
      this.handle(req.method ?? "GET", req.url ?? "/", req.headers.authorization).then(
        ({ status, body }) => send(status, body),
        (error) => {
          this.log.error(`status API: ${(error as Error).message}`);
          send(503, { error: "the agent could not read the workload's status; try again" });
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async handle(method: string, rawUrl: string, authorization: string | undefined): Promise<{ status: number; body: unknown }> {
    if (method !== "GET") return { status: 405, body: { error: "only GET is served" } };
    const url = new URL(rawUrl, "http://agent");
    const token = /^Bearer ([0-9a-f]{64})$/.exec(authorization ?? "")?.[1];
    const isProvider = !!token && same(token, this.manager.providerToken());
    if (url.pathname === "/leases/workloads") {
      if (!isProvider) return { status: 401, body: { error: "send the provider's token as Authorization: Bearer <token>" } };
      const statuses = await Promise.all(this.manager.leaseIds().map((id) => this.manager.status(id, 20)));
      return { status: 200, body: { workloads: statuses.filter(Boolean) } };
    }
    const match = /^\/leases\/(\d{1,78})\/workload$/.exec(url.pathname);
    if (!match) return { status: 404, body: { error: "not found: GET /leases/<id>/workload" } };
    const leaseId = BigInt(match[1]!);
    if (!isProvider && !(token && same(token, this.manager.leaseToken(leaseId)))) {
      return { status: 401, body: { error: "send this lease's token (from your access details) as Authorization: Bearer <token>" } };
    }
    const linesParam = url.searchParams.get("lines");
    const lines = linesParam === null ? undefined : Number(linesParam);
    if (lines !== undefined && (!Number.isInteger(lines) || lines < 1 || lines > 1000))
      return { status: 400, body: { error: "lines: a whole number from 1 to 1000", field: "lines" } };
    const status = await this.manager.status(leaseId, lines);
    if (!status) return { status: 404, body: { error: `lease ${leaseId} has no workload on this host` } };
    return { status: 200, body: status };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
