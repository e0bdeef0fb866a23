import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A JSON-RPC pass-through that counts calls by client and method (`MARKET_RPC_STATS=1` in bench:market):
 * each service gets its own path (`/fleet`, `/indexer`, …), so the table says who asks the chain for
 * what, per mined transaction. Diagnostic only: the forwarding costs the bench process CPU.
 */
export async function startRpcCounter(target: string) {
  const counts = new Map<string, Map<string, number>>();
  const count = (client: string, method: string) => {
    if (!counts.has(client)) counts.set(client, new Map());
    const byMethod = counts.get(client)!;
    byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const client = (req.url ?? "/").slice(1) || "other";
      try {
        const parsed = JSON.parse(body.toString()) as { method: string } | { method: string }[];
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) count(client, call.method);
      } catch {
        count(client, "(unparsed)");
      }
      try {
        const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (client: string) => `http://127.0.0.1:${port}/${client}`,
    /** Calls since the last reset. */
    reset: () => counts.clear(),
    /** A copy of the counts so far. */
    snapshot: () => new Map([...counts].map(([client, byMethod]) => [client, new Map(byMethod)])),
    /** One line per client: total calls and the busiest methods, per mined transaction. */
    report(snapshot: Map<string, Map<string, number>>, transactions: number): string[] {
      return [...snapshot].map(([client, byMethod]) => {
        const total = [...byMethod.values()].reduce((a, b) => a + b, 0);
        const top = [...byMethod]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([m, n]) => `${m} ${(n / transactions).toFixed(2)}`)
          .join(", ");
        return `| RPC calls per mined tx: ${client} | ${(total / transactions).toFixed(2)} (${top}) |`;
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
