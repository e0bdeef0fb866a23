/**
 * How fast a running agent turns a booking into an on-chain acceptance, against a real Hardhat node
 * and the real contracts, with the test provisioning script (so the figures are the agent's own
 * overhead plus one poll interval, not Docker's). Run: pnpm --filter @gridlease/agent bench
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import { AgentProcess } from "../test/helpers/agent-process";
import { startHardhatNode } from "@gridlease/sdk/local-chain";
import { prepareProviderHost } from "../test/helpers/provider-host";

const POLL_SECONDS = Number(process.env.POLL_SECONDS ?? 1);
const SEQUENTIAL = 5;
const BURST = 8;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const node = await startHardhatNode();
let agent: AgentProcess | undefined;
try {
  const host = await prepareProviderHost(node.url);
  const { market } = host;
  await host.writeConfig({
    intervals: { pollSeconds: POLL_SECONDS, heartbeatSeconds: 60, claimSeconds: 3600 },
    provision: { command: `${import.meta.dirname}/../test/fixtures/scripts/provision.sh`, timeoutSeconds: 30 },
  });

  const spawnedAt = performance.now();
  agent = new AgentProcess(host.configPath, host.env);
  await agent.waitForLine(/serving as/, 120_000);
  const startup = performance.now() - spawnedAt;

  const acceptedAfter = async (leaseId: bigint, since: number) => {
    await market.waitFor(`lease ${leaseId} accepted`, async () => (await market.events("LeaseAccepted", leaseId)).length > 0, 120_000);
    return performance.now() - since;
  };

  const sequential: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const bookedAt = performance.now();
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey });
    sequential.push(await acceptedAfter(leaseId, bookedAt));
    await market.renterCall("cancel", leaseId);
    await agent.waitForLine(new RegExp(`lease ${leaseId}: access revoked\\.`), 120_000);
  }

  const burstStart = performance.now();
  const burstLeases: bigint[] = [];
  for (let i = 0; i < BURST; i++) burstLeases.push(await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey }));
  const bookedAll = performance.now() - burstStart;
  const burstLatencies = await Promise.all(burstLeases.map((id) => acceptedAfter(id, burstStart)));

  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${agent.pid}/status`, "utf8"))?.[1] ?? 0);
  console.log(
    `gridlease-agent accept latency (Hardhat node, automine; poll interval ${POLL_SECONDS} s; ${os.availableParallelism()} CPUs, load ${os.loadavg()[0].toFixed(1)})`,
  );
  console.log(`  agent start (spawn → serving):          ${fmt(startup)}`);
  console.log(
    `  one booking → accepted, ${SEQUENTIAL} runs:        median ${fmt(median(sequential))}, min ${fmt(Math.min(...sequential))}, max ${fmt(Math.max(...sequential))}`,
  );
  console.log(`  ${BURST} bookings at once → all accepted:      ${fmt(Math.max(...burstLatencies))} (booking them took ${fmt(bookedAll)})`);
  console.log(`  agent resident memory after the run:    ${(rssKb / 1024).toFixed(0)} MiB`);
} finally {
  await agent?.stop();
  await node.stop();
}
