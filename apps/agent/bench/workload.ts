/**
 * Issue 16: how long a renter waits from the accept to a running container (local image, so the pull
 * is skipped), and what the agent costs with 8 containers running. Real Hardhat node, real contracts,
 * the real agent process with `workloads` (Podman + runc, the test image built from busybox-static),
 * 8 one-GPU leases on the recorded 8× H100 host. While the 8 run, each lease's status (with 50 log
 * lines) is read every 2 s, as 8 open rentals pages would. Run: pnpm bench:workload (as root).
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openJson } from "@gridlease/sdk/crypto";
import { startHardhatNode } from "@gridlease/sdk/local-chain";
import { AgentProcess } from "../test/helpers/agent-process";
import { loopbackWorkloads, podmanMissing, startTestPodman } from "../test/helpers/podman";
import { prepareProviderHost } from "../test/helpers/provider-host";

if (podmanMissing) {
  console.error(`bench:workload needs Podman: ${podmanMissing}`);
  process.exit(1);
}

const LEASES = 8;
const POLL_SECONDS = Number(process.env.POLL_SECONDS ?? 0.5);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
const rssMiB = async (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

const node = await startHardhatNode();
let agent: AgentProcess | undefined;
let cleanup: (() => Promise<void>) | undefined;
try {
  const host = await prepareProviderHost(node.url);
  const podman = await startTestPodman(path.join(host.dir, "containers"));
  cleanup = podman.cleanup;
  await host.writeConfig({
    provision: undefined,
    deprovision: undefined,
    intervals: { pollSeconds: POLL_SECONDS, heartbeatSeconds: 60, claimSeconds: 3600 },
    workloads: loopbackWorkloads(podman),
  });
  agent = new AgentProcess(host.configPath, host.env);
  await agent.waitForLine(/serving as/, 120_000);
  const idleRss = await rssMiB(agent.pid);
  const { market } = host;

  const rows: { bookToAccept: number; acceptToRunning: number; bookToRunning: number }[] = [];
  const access: { url: string; token: string; leaseId: bigint }[] = [];
  for (let i = 0; i < LEASES; i++) {
    const launch = {
      template: "custom" as const,
      image: podman.image,
      ports: [8080],
      env: { N: String(i) },
      command: 'echo "lease $N up"; exec httpd -f -p 8080 -h /www',
      diskGb: 1,
    };
    const bookedAt = performance.now();
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey, launch });
    const [accepted] = await market.waitFor(
      `lease ${leaseId} accepted`,
      async () => {
        const events = await market.events("LeaseAccepted", leaseId);
        return events.length > 0 && events;
      },
      120_000,
    );
    const acceptedAt = performance.now();
    const sealed = openJson<{ workload: { url: string; token: string } }>(market.renterKeys, accepted.args.encryptedAccess!, market.accessContext(leaseId));
    access.push({ ...sealed.workload, leaseId });
    await market.waitFor(
      `lease ${leaseId} running`,
      async () => {
        const response = await fetch(sealed.workload.url, { headers: { authorization: `Bearer ${sealed.workload.token}` } });
        return response.ok && (await response.json()).state === "running";
      },
      120_000,
    );
    const runningAt = performance.now();
    rows.push({ bookToAccept: acceptedAt - bookedAt, acceptToRunning: runningAt - acceptedAt, bookToRunning: runningAt - bookedAt });
    console.log(`lease ${leaseId}: booked → accepted ${fmt(acceptedAt - bookedAt)}, accepted → running ${fmt(runningAt - acceptedAt)} (load ${load()})`);
  }

  // 8 running: read each lease's status like an open rentals page, sample the agent's RSS for 20 s.
  const samples: number[] = [];
  const statusTimes: number[] = [];
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    await Promise.all(
      access.map(async (a) => {
        const started = performance.now();
        const response = await fetch(`${a.url}?lines=50`, { headers: { authorization: `Bearer ${a.token}` } });
        const body = await response.json();
        if (body.state !== "running") throw new Error(`lease ${a.leaseId} is ${body.state}`);
        statusTimes.push(performance.now() - started);
      }),
    );
    samples.push(await rssMiB(agent.pid));
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const loadWhileRunning = load();
  console.log("");
  console.log(`cores ${os.cpus().length}; agent poll ${POLL_SECONDS} s; Podman ${podman.podman("--version").trim()} with runc; local image (pull skipped)`);
  console.log(`accepted → running: median ${fmt(median(rows.map((r) => r.acceptToRunning)))}, max ${fmt(Math.max(...rows.map((r) => r.acceptToRunning)))}`);
  console.log(`booked → running:   median ${fmt(median(rows.map((r) => r.bookToRunning)))}, max ${fmt(Math.max(...rows.map((r) => r.bookToRunning)))}`);
  console.log(`booked → accepted:  median ${fmt(median(rows.map((r) => r.bookToAccept)))}`);
  console.log(
    `agent RSS: idle ${idleRss.toFixed(0)} MiB; with ${LEASES} running containers median ${median(samples).toFixed(0)} MiB, max ${Math.max(...samples).toFixed(0)} MiB (${samples.length} samples)`,
  );
  console.log(
    `status API with 50 log lines, 8 leases read at once every 2 s: median ${median(statusTimes).toFixed(0)} ms, max ${Math.max(...statusTimes).toFixed(0)} ms`,
  );
  console.log(`load average while 8 ran (1, 5, 15 min): ${loadWhileRunning}`);

  const removedAt = performance.now();
  for (const a of access) await market.renterCall("cancel", a.leaseId);
  for (const a of access)
    await agent.waitForLine(new RegExp(`lease ${a.leaseId}: container gridlease-lease-${a.leaseId}, its network and its data removed`), 120_000);
  console.log(`cancel of all ${LEASES} → all containers and data removed: ${fmt(performance.now() - removedAt)} (load ${load()})`);
} finally {
  await agent?.stop();
  await cleanup?.();
  await node.stop();
}
