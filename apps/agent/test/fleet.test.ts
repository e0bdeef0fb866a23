import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { verifyTypedData, type Hex } from "viem";
import { openJson } from "@gridlease/sdk/crypto";
import { HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { localAccount, localProviderEncryptionPublicKey } from "@gridlease/sdk/local-accounts";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { AgentProcess } from "./helpers/agent-process";
import { registerLocalProviders, sandboxProvisioner } from "./helpers/local-providers";
import { Market } from "./helpers/market";

const SERVED = [100, 101, 102];
const OFFLINE = 103;

let node: HardhatNode;
let market: Market;
let dir: string;
let configPath: string;
let heartbeats: { provider: Hex; timestamp: number; offerIds: string[]; chainId: number; signature: Hex }[];
let server: Server;
const offerOf = new Map<number, bigint>();
let fleet: AgentProcess | undefined;

const stateOf = (index: number) => path.join(dir, "fleet-state", localAccount(index).address.toLowerCase());
const journalOf = async (index: number) =>
  (await readFile(path.join(stateOf(index), "journal.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; leaseId: string });
const provisionRunsOf = async (index: number, leaseId: bigint) =>
  (await journalOf(index)).filter((r) => r.event === "provision-started" && r.leaseId === leaseId.toString()).length;

const bookOffer = (index: number) => market.book({ offerId: offerOf.get(index)!, providerEncryptionKey: localProviderEncryptionPublicKey(index) });

async function openWhenAccepted(leaseId: bigint): Promise<{ leaseId: bigint; access: Record<string, unknown> }> {
  const [accepted] = await market.waitFor(`lease ${leaseId} accepted`, async () => {
    const events = await market.events("LeaseAccepted", leaseId);
    return events.length > 0 && events;
  });
  const access = openJson<Record<string, unknown>>(
    market.renterKeys,
    (accepted!.args as { encryptedAccess: Hex }).encryptedAccess,
    market.accessContext(leaseId),
  );
  return { leaseId, access };
}

beforeAll(async () => {
  node = await startHardhatNode();
  market = await Market.deploy(node.url);
  for (const [index, offerId] of await registerLocalProviders(market, SERVED)) offerOf.set(index, offerId);
  heartbeats = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/api/heartbeats") heartbeats.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-fleet-"));
  await mkdir(path.join(dir, "sandboxes"));
  configPath = path.join(dir, "fleet.json");
  // The sandbox provisioning behind a guard that fails while another provisioning script runs and holds
  // its turn for a second: bookings on three providers a fraction of a second apart only all succeed
  // if maxScriptsInFlight: 1 queues their scripts.
  const scripts = sandboxProvisioner(dir);
  const guard = path.join(dir, "one-at-a-time.sh");
  await writeFile(
    guard,
    `#!/bin/sh
mkdir "$GUARD_LOCK" 2>/dev/null || { echo "another provisioning script is running" >&2; exit 3; }
sleep 1
"$GUARD_SCRIPT"
code=$?
rmdir "$GUARD_LOCK"
exit $code
`,
    { mode: 0o755 },
  );
  // The guard runs the example sandbox script; the built-in provisioner removes what it made (one layout).
  const guardEnv = {
    GUARD_LOCK: path.join(dir, "provisioning.lock"),
    GUARD_SCRIPT: path.join(import.meta.dirname, "..", "examples", "sandbox", "provision-sandbox.sh"),
  };
  await writeFile(
    configPath,
    JSON.stringify({
      rpcUrl: node.url,
      chainId: 31337,
      apiUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      contracts: market.agentContracts(),
      stateDir: "fleet-state",
      provision: { ...scripts.provision, command: guard, env: { ...scripts.provision.env, ...guardEnv } },
      deprovision: scripts.deprovision,
      maxScriptsInFlight: 1,
      intervals: { pollSeconds: 0.2, heartbeatSeconds: 1, claimSeconds: 1800 },
      providers: [...SERVED.map((mnemonicIndex) => ({ mnemonicIndex })), { mnemonicIndex: OFFLINE, offline: true }],
    }),
  );
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await new Promise((r) => server?.close(r));
  await node?.stop();
});

describe("gridlease-agent fleet", () => {
  it("accepts a booking on each provider's offer with access details sealed to the renter, journaled per provider, one provisioning script at a time", async () => {
    fleet = new AgentProcess(configPath, process.env, "fleet");
    await fleet.waitForLine(/fleet: serving 3 provider\(s\), 1 offline/, 60_000);
    // One renter wallet: book one after another (nonces), then wait for all three.
    const booked: bigint[] = [];
    for (const index of SERVED) booked.push(await bookOffer(index));
    const leases = await Promise.all(booked.map(openWhenAccepted));
    for (const [i, index] of SERVED.entries()) {
      const { leaseId, access } = leases[i]!;
      expect(access.kind).toBe("local-sandbox");
      expect(access.command).toBe(path.join(dir, "sandboxes", `lease-${leaseId}`, "enter"));
      expect(await provisionRunsOf(index, leaseId)).toBe(1);
      // Each provider's journal holds its own leases only.
      const others = leases.filter((_, j) => j !== i).map((l) => l.leaseId.toString());
      expect((await journalOf(index)).some((r) => others.includes(r.leaseId))).toBe(false);
    }
  }, 120_000);

  it("sends heartbeats signed by each served identity for its offers, and none for the offline one", async () => {
    await market.waitFor("heartbeats from every served provider", async () =>
      SERVED.every((i) => heartbeats.some((h) => h.provider === localAccount(i).address)),
    );
    for (const index of SERVED) {
      const address = localAccount(index).address;
      const beat = heartbeats.find((h) => h.provider === address)!;
      expect(beat.offerIds).toEqual([offerOf.get(index)!.toString()]);
      const valid = await verifyTypedData({
        address,
        domain: heartbeatDomain({ chainId: 31337, registry: market.deployment.registry.address }),
        types: HEARTBEAT_TYPES,
        primaryType: "Heartbeat",
        message: { provider: address, timestamp: BigInt(beat.timestamp), offerIds: beat.offerIds.map(BigInt) },
        signature: beat.signature,
      });
      expect(valid).toBe(true);
    }
    expect(heartbeats.some((h) => h.provider === localAccount(OFFLINE).address)).toBe(false);
  }, 60_000);

  it("after a restart, serves bookings made while it was down and provisions no earlier lease again; closing a lease removes its sandbox", async () => {
    const earlier = (await journalOf(SERVED[0]!)).find((r) => r.event === "provisioned")!.leaseId;
    await fleet!.stop();
    const whileDown = await bookOffer(SERVED[1]!);
    fleet = new AgentProcess(configPath, process.env, "fleet");
    await market.waitFor(`lease ${whileDown} accepted after restart`, async () => (await market.events("LeaseAccepted", whileDown)).length > 0, 60_000);
    expect(await provisionRunsOf(SERVED[0]!, BigInt(earlier))).toBe(1);
    expect(await provisionRunsOf(SERVED[1]!, whileDown)).toBe(1);

    const sandbox = path.join(dir, "sandboxes", `lease-${whileDown}`);
    expect(execFileSync(path.join(sandbox, "enter"), ["-c", "echo hello > note; cat note"], { encoding: "utf8" }).trim()).toBe("hello");
    await market.renterCall("cancel", whileDown);
    await fleet.waitForLine(new RegExp(`lease ${whileDown}: access revoked\\.`), 30_000);
    expect(existsSync(sandbox)).toBe(false);
  }, 120_000);
});
