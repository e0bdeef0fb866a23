/**
 * `pnpm bench:fleet`: booking → accepted latency and resident memory of one `gridlease-agent fleet`
 * process serving 10, 100 and 500 providers, against a real Hardhat node (automine) and the real
 * contracts, with the sandbox provisioner of `npm start` and a heartbeat sink, so every provider signs
 * and posts heartbeats as it would. Poll interval 1 s, as in `npm start`.
 *
 * Env: FLEET_SIZES (default "10,100,500"), FLEET_BOOKINGS (bookings measured per size, default 20).
 */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { startHardhatNode } from "@gridlease/sdk/local-chain";
import { localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { AgentProcess } from "../test/helpers/agent-process";
import { registerLocalProviders } from "../test/helpers/local-providers";
import { Market } from "../test/helpers/market";
import { writeSandboxFleetConfig } from "./sandbox-fleet";

const SIZES = (process.env.FLEET_SIZES ?? "10,100,500").split(",").map(Number);
const BOOKINGS = Number(process.env.FLEET_BOOKINGS ?? 20);
const FIRST_INDEX = 100;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const statusKb = async (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

let heartbeatCount = 0;
const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    heartbeatCount += 1;
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));

const node = await startHardhatNode();
const rows: string[] = [];
try {
  const market = await Market.deploy(node.url);
  const largest = Math.max(...SIZES);
  const setupStart = performance.now();
  const offers = await registerLocalProviders(
    market,
    Array.from({ length: largest }, (_, i) => FIRST_INDEX + i),
  );
  console.log(`registered ${largest} providers with one offer each in ${seconds(performance.now() - setupStart)}`);

  for (const size of SIZES) {
    const configPath = await writeSandboxFleetConfig({
      tmpPrefix: `gridlease-bench-fleet-${size}-`,
      rpcUrl: node.url,
      apiUrl: `http://127.0.0.1:${(sink.address() as { port: number }).port}`,
      deployment: market.deployment,
      providers: Array.from({ length: size }, (_, i) => FIRST_INDEX + i),
    });
    const spawnedAt = performance.now();
    const fleet = new AgentProcess(configPath, process.env, "fleet");
    try {
      await fleet.waitForLine(/fleet: serving/, 600_000);
      const startup = performance.now() - spawnedAt;
      const latencies: number[] = [];
      const leases: bigint[] = [];
      for (let b = 0; b < BOOKINGS; b++) {
        // Spread over the fleet; each offer has 2 GPUs, so no provider runs out.
        const index = FIRST_INDEX + (Math.floor((b * size) / BOOKINGS) % size);
        const bookedAt = performance.now();
        const leaseId = await market.book({ offerId: offers.get(index)!, providerEncryptionKey: localProviderEncryptionPublicKey(index), gpus: 1, hours: 1 });
        await market.waitFor(`lease ${leaseId} accepted`, async () => (await market.events("LeaseAccepted", leaseId)).length > 0, 120_000);
        latencies.push(performance.now() - bookedAt);
        leases.push(leaseId);
      }
      const rss = await statusKb(fleet.pid, "VmRSS");
      const peak = await statusKb(fleet.pid, "VmHWM");
      const row = `| ${size} | ${BOOKINGS} | ${seconds(percentile(latencies, 50))} | ${seconds(percentile(latencies, 95))} | ${seconds(Math.max(...latencies))} | ${(rss / 1024).toFixed(0)} MiB | ${(peak / 1024).toFixed(0)} MiB | ${seconds(startup)} | ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} |`;
      rows.push(row);
      console.log(row);
      // The next size's fleet serves these same first providers again: give their GPUs back first.
      for (const leaseId of leases) await market.renterCall("cancel", leaseId);
    } finally {
      await fleet.stop();
    }
  }
} finally {
  await node.stop();
  sink.close();
}
console.log(`\ngridlease-agent fleet (Hardhat node, automine; poll 1 s; ${os.availableParallelism()} CPUs; ${heartbeatCount} heartbeats received)`);
console.log("| providers | bookings | booking → accepted p50 | p95 | max | RSS after | peak RSS | start (spawn → serving) | load average (1/5/15 min) |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
