import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { openJson } from "@gridlease/sdk/crypto";
import { AgentProcess } from "./helpers/agent-process";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { prepareProviderHost, type ProviderHost } from "./helpers/provider-host";
import { RpcProxy } from "./helpers/rpc-proxy";

let node: HardhatNode;
let proxy: RpcProxy;
let host: ProviderHost;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  node = await startHardhatNode();
  host = await prepareProviderHost(node.url);
  proxy = new RpcProxy(node.url);
  await host.writeConfig({ rpcUrl: await proxy.start() });
}, 120_000);

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await proxy?.close();
  await node?.stop();
});

function startAgent() {
  const agent = new AgentProcess(host.configPath, host.env);
  agents.push(agent);
  return agent;
}

describe("agent restarts", () => {
  it("kill -9 between provisioning and acceptance, then restart: exactly one acceptance and one environment", async () => {
    const { market } = host;
    const first = startAgent();
    await first.waitForLine(/serving as/);

    // Freeze the agent when it submits its accept transaction, then kill it right there.
    proxy.holdTransactions = true;
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey, gpus: 3 });
    await first.waitForLine(new RegExp(`lease ${leaseId}: environment provisioned\\.`));
    await market.waitFor("the accept submission", async () => proxy.held.length > 0);
    await first.kill9();
    proxy.dropHeld();
    proxy.holdTransactions = false;

    expect((await market.getLease(leaseId)).status).toBe(1); // still Pending
    expect(await market.events("LeaseAccepted", leaseId)).toEqual([]);
    expect(await host.linesOf("provision-runs.log")).toEqual([leaseId.toString()]);

    const second = startAgent();
    await second.waitForLine(new RegExp(`lease ${leaseId}: accepted in block`));
    // Give the restarted agent several more polls to do anything twice, then stop it as Ctrl-C would.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await second.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(second.lines.at(-1)).toMatch(/INFO {2}stopped\.$/);

    const accepted = await market.events("LeaseAccepted", leaseId);
    expect(accepted).toHaveLength(1);
    // No web app listens on this suite's apiUrl: one warning, and the agent kept serving.
    expect(
      second.lines.filter((l) => /WARN {2}heartbeat not delivered, still serving: http:\/\/127\.0\.0\.1:9\/api\/heartbeats is unreachable/.test(l)),
    ).toHaveLength(1);
    expect(await host.linesOf("provision-runs.log")).toEqual([leaseId.toString()]);
    expect(await readdir(path.join(host.dir, "test-state/envs"))).toEqual([`lease-${leaseId}`]);
    expect(second.lines.some((l) => l.includes(`lease ${leaseId}: provisioning`))).toBe(false);
    // The access details accepted after the restart are the ones the single provisioning run printed.
    const printed = JSON.parse(await readFile(path.join(host.dir, "test-state/envs", `lease-${leaseId}`, "access.json"), "utf8"));
    expect(openJson(market.renterKeys, accepted[0].args.encryptedAccess!, market.accessContext(leaseId))).toEqual(printed);
    expect(printed.gpuIndices).toBe("0,1,2");
  });

  it("a restart while the provisioning script runs re-runs it for the same GPUs and accepts once", async () => {
    const { market } = host;
    const first = startAgent();
    await first.waitForLine(/serving as/);
    // "slow-once" makes the test script hang on its first run; SIGTERM interrupts it without recording a failure.
    const leaseId = await market.book({ offerId: host.offerId, providerEncryptionKey: host.providerEncryptionKey, note: "slow-once" });
    await first.waitForLine(new RegExp(`lease ${leaseId}: provisioning 1× H100-SXM \\(GPUs 3\\)`));
    await market.waitFor("the script's first run", () => stat(path.join(host.dir, `test-state/slow-once-${leaseId}`)).catch(() => undefined));
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(first.lines.some((l) => l.includes(`lease ${leaseId}: provisioning stopped by shutdown; it will be re-run after restart.`))).toBe(true);
    const journal = await readFile(path.join(host.dir, "agent-state/journal.jsonl"), "utf8");
    expect(journal).not.toMatch(new RegExp(`"event":"provision-failed","leaseId":"${leaseId}"`));
    expect(journal).toMatch(new RegExp(`"event":"provision-started","leaseId":"${leaseId}","gpuIndices":\\[3\\]`));

    // Lease 1 (from the previous test) is still active, so the restart rescans from its booking, not from the deployment.
    const [firstBooking] = await market.events("LeaseBooked", 1n);
    const second = startAgent();
    await second.waitForLine(new RegExp(`resuming the booking scan at block ${firstBooking.blockNumber} \\(earlier leases need no work\\)\\.`));
    await second.waitForLine(
      new RegExp(`lease ${leaseId}: provisioning was interrupted \\(agent restart\\); running the provisioning script again for the same GPUs 3\\.`),
    );
    await second.waitForLine(new RegExp(`lease ${leaseId}: accepted in block`));
    expect(await market.events("LeaseAccepted", leaseId)).toHaveLength(1);
    const envs = (await readdir(path.join(host.dir, "test-state/envs"))).filter((e) => e === `lease-${leaseId}`);
    expect(envs).toEqual([`lease-${leaseId}`]);
    expect((await host.linesOf("provision-runs.log")).filter((l) => l === leaseId.toString())).toHaveLength(2);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});
