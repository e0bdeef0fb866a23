import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { AgentProcess, runCli } from "./helpers/agent-process";
import { prepareProviderHost, type ProviderHost } from "./helpers/provider-host";

// Issue 12: one failed provisioning whose cleanup failed leaked a GPU forever (the agent gave up
// after three deprovision attempts, moved the scan checkpoint past the lease and kept the GPU held).
let node: HardhatNode;
let host: ProviderHost;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  node = await startHardhatNode();
  host = await prepareProviderHost(node.url);
}, 180_000);

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await node?.stop();
});

function startAgent() {
  const agent = new AgentProcess(host.configPath, host.env);
  agents.push(agent);
  return agent;
}

const checkpoint = async () => BigInt(JSON.parse(await readFile(path.join(host.dir, "agent-state/scan-checkpoint.json"), "utf8")).block);

describe("a failed provisioning whose cleanup fails", () => {
  it("retries deprovisioning with backoff until it succeeds, holds the checkpoint and the GPU until then, then serves a booking of every GPU", async () => {
    const { market, providerEncryptionKey, offerId } = host;
    const agent = startAgent();
    await agent.waitForLine(/serving as/);
    // The fresh deployment's first lease is lease 1: make its removal fail before it is booked.
    await writeFile(path.join(host.dir, "test-state/deprovision-fail-1"), "");
    const failed = await market.book({ offerId, providerEncryptionKey, note: "fail" });
    expect(failed).toBe(1n);
    const bookedAt = (await market.events("LeaseBooked", failed))[0].blockNumber;

    await agent.waitForLine(/ALERT lease 1: deprovisioning failed \(attempt 4\), the renter may still have access and GPUs 0 stay reserved; retrying in/);
    // Declined at once (refund, no slash), but the environment is not gone, so nothing moves past it.
    expect((await market.getLease(failed)).closeReason).toBe(5);
    await market.waitFor("a few more polls", async () => (await checkpoint()) > 0n);
    expect(await checkpoint()).toBeLessThanOrEqual(bookedAt);
    const journal = await readFile(path.join(host.dir, "agent-state/journal.jsonl"), "utf8");
    expect(journal).not.toMatch(/"event":"deprovision-failed"/);
    const status = await runCli(["-c", host.configPath, "status"], host.env);
    expect(status.stdout).toMatch(/Environments not yet revoked: lease 1 \(GPUs 0\)/);

    // The provider fixes the cause; the next retry removes the environment and frees the GPU.
    await rm(path.join(host.dir, "test-state/deprovision-fail-1"));
    await agent.waitForLine(/lease 1: access revoked\./, 60_000);
    expect(await readFile(path.join(host.dir, "agent-state/journal.jsonl"), "utf8")).toMatch(/"event":"deprovisioned","leaseId":"1"/);
    const all = await market.book({ offerId, providerEncryptionKey, gpus: 8 });
    await market.waitFor("all 8 GPUs accepted", async () => (await market.events("LeaseAccepted", all))[0]);
    const after = await runCli(["-c", host.configPath, "status"], host.env);
    expect(after.stdout).toMatch(/Environments not yet revoked: lease 2 \(GPUs 0,1,2,3,4,5,6,7\)/);
    expect(after.stdout).not.toMatch(/lease 1 \(/);
    await agent.stop();
  });

  it("does not re-log leases the journal already knows as booked after a restart", async () => {
    const agent = startAgent();
    await agent.waitForLine(/serving as/);
    // The scan resumes at lease 2 (still running), so its booking is read again: not news.
    await agent.waitForLine(/resuming the booking scan at block/);
    await new Promise((r) => setTimeout(r, 1500)); // several polls
    expect(agent.lines.filter((l) => /booked by/.test(l))).toEqual([]);
    await agent.stop();
  });

  it("after an upgrade, an environment an older agent gave up on (checkpoint moved past it) is still revoked, and status stops listing it", async () => {
    const { market } = host;
    // What an agent before issue 12 left behind: lease 2's environment open in the journal, the scan checkpoint past its booking.
    const latest = await market.publicClient.getBlockNumber();
    await writeFile(path.join(host.dir, "agent-state/scan-checkpoint.json"), JSON.stringify({ block: (latest + 1n).toString() }));
    await market.renterCall("cancel", 2n);
    const agent = startAgent();
    await agent.waitForLine(/lease 2: its environment is not revoked yet \(journal\); handling it again\./);
    await agent.waitForLine(/lease 2: access revoked\./);
    await agent.stop();
    const status = await runCli(["-c", host.configPath, "status"], host.env);
    expect(status.stdout).toMatch(/No provisioned environments\./);
  });
});
