import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * A JSON-RPC pass-through that can swallow transaction submissions, so a test can freeze the agent
 * at the exact moment it tries to send a transaction and kill it there.
 */
export class RpcProxy {
  holdTransactions = false;
  readonly held: ServerResponse[] = [];
  private server?: Server;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private async forward(req: IncomingMessage, res: ServerResponse) {
    let body = "";
    for await (const chunk of req) body += chunk;
    const calls = [JSON.parse(body)].flat() as { method: string }[];
    if (this.holdTransactions && calls.some((c) => c.method === "eth_sendRawTransaction")) {
      this.held.push(res);
      return;
    }
    try {
      const upstream = await fetch(this.target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    } catch {
      res.destroy();
    }
  }

  /** Drops the swallowed submissions: they never reach the chain. */
  dropHeld(): void {
    for (const res of this.held.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.dropHeld();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
