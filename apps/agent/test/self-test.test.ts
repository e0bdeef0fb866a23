import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTestClient, http, toHex } from "viem";
import { hardhat } from "viem/chains";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { runCli } from "./helpers/agent-process";
import { FIXTURES, prepareProviderHost, type ProviderHost } from "./helpers/provider-host";

// Issue 12: a broken provisioning script was first discovered by a paying renter; `self-test` and
// `serve` now find it (and missing funds, a wrong chain) first, each with a sentence naming the fix.
let node: HardhatNode;
let host: ProviderHost;

beforeAll(async () => {
  node = await startHardhatNode();
  host = await prepareProviderHost(node.url);
}, 180_000);

afterAll(async () => {
  await host?.writeConfig({});
  await node?.stop();
});

const selfTest = (...extra: string[]) => runCli(["-c", host.configPath, "self-test", ...extra], host.env);

async function script(name: string, body: string): Promise<string> {
  const file = path.join(host.dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

const deprovision = () => ({
  command: path.join(FIXTURES, "scripts/deprovision.sh"),
  timeoutSeconds: 10,
  env: { GRIDLEASE_TEST_STATE: path.join(host.dir, "test-state") },
});

describe("gridlease-agent self-test", () => {
  it("passes on a healthy host, including one dry-run provision → deprovision cycle", async () => {
    await host.writeConfig({});
    const result = await selfTest();
    expect(result.stdout).toMatch(/✓ provision → deprovision dry run: lease 0 provisioned and removed/);
    expect(result.stdout).toMatch(/✓ GPU detection: 8× H100-SXM/);
    expect(result.stdout).toMatch(/✓ registration and key: registered, encryption key matches/);
    expect(result.stdout).toMatch(/All checks passed/);
    expect(result.code).toBe(0);
    // The script saw a dry-run lease and cleaned up after itself.
    expect(await host.linesOf("deprovision-runs.log")).toContain("0 self-test");
  });

  it("names a missing provisioning script and how to fix it, and exits non-zero", async () => {
    await host.writeConfig({ provision: { command: "./provision-docker.sh" } });
    const result = await selfTest();
    expect(result.stdout).toContain(`✗ provision script: ${path.join(host.dir, "provision-docker.sh")}`);
    expect(result.stdout).toMatch(
      /provision\.command .*provision-docker\.sh does not exist: copy the example script there \(apps\/agent\/examples\/provision-docker\.sh/,
    );
    expect(result.code).toBe(1);
  });

  it("reports a provisioning script that fails the dry run with its stderr", async () => {
    await host.writeConfig({
      provision: { command: await script("failing.sh", 'echo "docker: command not found" >&2; exit 127') },
      deprovision: deprovision(),
    });
    const result = await selfTest();
    expect(result.stdout).toMatch(
      /✗ provision → deprovision dry run\n {4}The provisioning script failed a dry run, so renters would be declined: .*failing\.sh exited with code 127; stderr: docker: command not found\. Fix /,
    );
    expect(result.code).toBe(1);
  });

  it("stops a hanging provisioning script at the timeout and says so", async () => {
    await host.writeConfig({ provision: { command: await script("hanging.sh", "sleep 600"), timeoutSeconds: 600 }, deprovision: deprovision() });
    const started = Date.now();
    const result = await selfTest("--script-timeout", "2");
    expect(result.stdout).toMatch(/The provisioning script failed a dry run, so renters would be declined: .*hanging\.sh timed out after 2s/);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("names the wrong chain and the fix", async () => {
    await host.writeConfig({ chainId: 1 });
    const result = await selfTest();
    expect(result.stdout).toMatch(
      /✗ chain\n {4}The RPC endpoint .* serves chain 31337, but the config says chainId 1: point rpcUrl at a chain 1 node, or set "chainId": 31337/,
    );
    expect(result.code).toBe(1);
  });

  it("names an address without ETH, and a transaction from it says the same instead of 'Missing or invalid parameters.'", async () => {
    await host.writeConfig({});
    const test = createTestClient({ chain: hardhat, mode: "hardhat", transport: http(node.url) });
    const address = host.market.provider.address;
    const before = await host.market.publicClient.getBalance({ address });
    await test.setBalance({ address, value: 0n });
    try {
      const sentence = `The address ${address} has no ETH for gas on chain 31337: run \`gridlease-agent faucet\` (local chain).`;
      const result = await selfTest();
      expect(result.stdout).toContain(`✗ ETH for gas: 0 ETH\n    ${sentence}`);
      expect(result.code).toBe(1);
      const pause = await runCli(["-c", host.configPath, "offers", "pause"], host.env);
      expect(pause.stderr.trim()).toBe(sentence);
      expect(pause.code).toBe(1);
    } finally {
      await test.request({ method: "hardhat_setBalance", params: [address, toHex(before)] } as never);
    }
  });

  it("serve refuses to start with a broken script, naming the fix", async () => {
    await host.writeConfig({ deprovision: { command: "./deprovision-docker.sh" } });
    const result = await runCli(["-c", host.configPath, "serve"], host.env);
    expect(result.stderr).toMatch(/^Not serving: deprovision\.command .*deprovision-docker\.sh does not exist: copy the example script there/);
    expect(result.code).toBe(1);
  });
});
