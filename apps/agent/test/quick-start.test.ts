import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHardhatNode, REPO_ROOT, type HardhatNode } from "@gridlease/sdk/local-chain";
import { getDeployment } from "@gridlease/sdk/deployments.generated";
import { Market } from "./helpers/market";
import { FIXTURES } from "./helpers/provider-host";

/**
 * Issue 12: follows apps/agent/README.md's Install and Quick Start code blocks line by line, in a
 * fresh folder outside the repository with no node_modules, from the bundle to a first accepted
 * lease on a real Hardhat node. The commands are read from the README, so editing it changes (or
 * breaks) this test. What the test does that the README leaves to the reader, and only that:
 *  - `pnpm start` (the local market) is a Hardhat node with the contracts deployed;
 *  - `sudo` is dropped and /usr/local is a temporary PREFIX (the shared test machine keeps its /usr/local);
 *  - "copy the tarball to the host" is a copy into the host folder;
 *  - "then edit: region, prices, scripts": this host has neither GPUs nor Docker, so the scripts are the
 *    test's recording scripts and nvidia-smi replays a recorded 8× H100 host, and rpcUrl/apiUrl point at
 *    the test's node (port) and at nothing (heartbeats are not part of the first lease).
 */
const README = path.join(REPO_ROOT, "apps/agent/README.md");
let node: HardhatNode;
let market: Market;
let serve: ChildProcess | undefined;

function codeBlocks(markdown: string, heading: string): string[][] {
  const section = markdown.slice(markdown.indexOf(`## ${heading}`), markdown.indexOf("\n## ", markdown.indexOf(`## ${heading}`) + 3));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("close", (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  node = await startHardhatNode();
  market = await Market.deploy(node.url);
  // The config names no contracts: the agent must find them from the SDK's recorded local deployment.
  expect(market.deployment.escrow.address).toBe(getDeployment(31337).escrow.address);
}, 180_000);

afterAll(async () => {
  serve?.kill("SIGTERM");
  await node?.stop();
});

describe("the README's Quick Start, literally", () => {
  it("takes a bare host from the bundle to a first accepted lease", async () => {
    const readme = await readFile(README, "utf8");
    const [[bundle], [install]] = codeBlocks(readme, "Install");
    const quickStart = codeBlocks(readme, "Quick start on a local chain")[0];
    expect(bundle).toBe("pnpm --filter @gridlease/agent bundle");
    expect(quickStart.at(-1)).toBe("gridlease-agent serve");

    const started = Date.now();
    const built = await sh(bundle, REPO_ROOT, process.env);
    expect(built.code, built.out).toBe(0);
    const tarball = /dist\/(gridlease-agent-[\d.]+\.tar\.gz)/.exec(built.out)![1];

    const host = await mkdtemp(path.join(os.tmpdir(), "gridlease-bare-host-"));
    const prefix = path.join(host, "usr-local");
    const work = path.join(host, "work");
    await mkdir(work);
    await copyFile(path.join(REPO_ROOT, "apps/agent/dist", tarball), path.join(work, tarball));
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.join(prefix, "bin")}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: host,
      PREFIX: prefix,
      GRIDLEASE_PASSPHRASE: "quick start passphrase",
      GRIDLEASE_SMI_RECORDING: path.join(FIXTURES, "nvidia-smi/h100-sxm-8x"),
    };
    const literal = (line: string) =>
      line
        .replace(/(^|&& )sudo /g, "$1")
        .replaceAll("/usr/local", prefix)
        .replace(/\s+#.*$/, "");
    const installed = await sh(literal(install), work, env);
    expect(installed.code, installed.out).toBe(0);
    expect(installed.out).toMatch(/Installed gridlease-agent 0\.1\.0/);

    const folder = path.join(host, "provider");
    await mkdir(folder);
    const outputs: string[] = [];
    for (const line of quickStart) {
      if (line === "gridlease-agent serve") break;
      const result = await sh(literal(line), folder, env);
      outputs.push(`$ ${line}\n${result.out}`);
      expect(result.code, outputs.join("\n")).toBe(0);
      if (line.includes("# then edit: region, prices, scripts")) {
        const configPath = path.join(folder, "gridlease-agent.json");
        const config = JSON.parse(await readFile(configPath, "utf8"));
        config.rpcUrl = node.url;
        config.apiUrl = "http://127.0.0.1:9";
        config.offer.pricePerGpuHour = "2.00";
        config.provision = {
          command: path.join(FIXTURES, "scripts/provision.sh"),
          timeoutSeconds: 30,
          env: { GRIDLEASE_TEST_STATE: path.join(host, "test-state") },
        };
        config.deprovision = { command: path.join(FIXTURES, "scripts/deprovision.sh"), env: { GRIDLEASE_TEST_STATE: path.join(host, "test-state") } };
        config.nvidiaSmi = path.join(prefix, "lib/gridlease-agent/examples/nvidia-smi-replay.sh");
        config.intervals = { pollSeconds: 0.5, heartbeatSeconds: 60, claimSeconds: 3600 };
        await writeFile(configPath, JSON.stringify(config, null, 2));
        await mkdir(path.join(host, "test-state/envs"), { recursive: true });
      }
    }
    const log = outputs.join("\n");
    expect(log).toMatch(/8× .*\[H100-SXM\], 80 GB each/);
    expect(log).toMatch(/Funded 0x[0-9a-fA-F]{40} on chain 31337/);
    expect(log).toMatch(/Listed offer 1: 8× H100-SXM in eu-west at 2 USDC\/GPU\/h\./);
    expect(log).toMatch(/All checks passed/);

    let serveLog = "";
    serve = spawn("sh", ["-c", literal("gridlease-agent serve")], { cwd: folder, env, stdio: ["ignore", "pipe", "pipe"] });
    serve.stdout!.on("data", (c) => (serveLog += c));
    serve.stderr!.on("data", (c) => (serveLog += c));
    await market.waitFor("serve to start", async () => serveLog.includes("serving as"), 60_000);
    const providerEncryptionKey = /Encryption public key: (0x[0-9a-f]{64})/.exec(log)![1] as `0x${string}`;
    const leaseId = await market.book({ offerId: 1n, providerEncryptionKey });
    const accepted = await market.waitFor("the first lease to be accepted", async () => (await market.events("LeaseAccepted", leaseId))[0], 60_000);
    const seconds = (Date.now() - started) / 1000;
    expect(accepted.args.leaseId).toBe(leaseId);
    // Printed for docs/benchmarks.md: bundle + install + every Quick Start command + the first acceptance.
    console.log(`quick start: bundle to first accepted lease in ${seconds.toFixed(1)} s (loadavg ${(await readFile("/proc/loadavg", "utf8")).trim()})`);
  });
});
