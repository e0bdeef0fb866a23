import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { runCli } from "./helpers/agent-process";
import { Market } from "./helpers/market";
import { FIXTURES } from "./helpers/provider-host";

// Issue 12: funding a fresh provider address was undocumented, and a key without ETH failed as
// "Missing or invalid parameters.". `faucet` funds it on the local chain and refuses elsewhere.
let local: HardhatNode;
let other: HardhatNode;
let market: Market;

beforeAll(async () => {
  [local, other] = await Promise.all([startHardhatNode(), startHardhatNode({ chainId: 1337 })]);
  market = await Market.deploy(local.url);
}, 180_000);

afterAll(async () => {
  await Promise.all([local?.stop(), other?.stop()]);
});

async function freshProvider(rpcUrl: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-faucet-"));
  const configPath = path.join(dir, "agent.json");
  const contracts = {
    registry: market.deployment.registry.address,
    escrow: market.deployment.escrow.address,
    token: market.deployment.token.address,
    deployBlock: 0,
  };
  await writeFile(
    configPath,
    JSON.stringify({
      rpcUrl,
      contracts,
      provider: { stake: "250" },
      offer: { region: "eu-west", pricePerGpuHour: "2" },
      provision: { command: "/bin/true" },
      deprovision: { command: "/bin/true" },
      nvidiaSmi: path.join(FIXTURES, "bin/nvidia-smi"),
    }),
  );
  const env = { ...process.env, GRIDLEASE_PASSPHRASE: "faucet test passphrase", GRIDLEASE_SMI_FIXTURE: path.join(FIXTURES, "nvidia-smi/rtx4090-1x") };
  const cli = (...args: string[]) => runCli(["-c", configPath, ...args], env);
  const init = await cli("init", "--scrypt-n", "1024");
  const address = /Provider address: +(0x[0-9a-fA-F]{40})/.exec(init.stdout)![1];
  return { cli, address, init };
}

describe("gridlease-agent faucet", () => {
  it("funds a brand-new key on the local chain with gas and the stake, after which register works", async () => {
    const { cli, address, init } = await freshProvider(local.url);
    expect(init.stdout).toMatch(
      /Next: fund 0x[0-9a-fA-F]{40} with ETH for gas and the stake token .* on the local chain \(31337\) run `gridlease-agent faucet`/,
    );
    const early = await cli("register");
    expect(early.stderr.trim()).toBe(`${address} holds 0 USDC, less than the 250 USDC stake: run \`gridlease-agent faucet\` (local chain).`);
    const funded = await cli("faucet");
    expect(funded.stdout.trim()).toBe(`Funded ${address} on chain 31337: 100 ETH for gas, 500 USDC (stake 250).`);
    expect(funded.code).toBe(0);
    const registered = await cli("register");
    expect(registered.stdout).toMatch(new RegExp(`Registered ${address} with stake 250 USDC`));
  });

  it("refuses on any chain but the local one, saying what the address needs instead", async () => {
    const { cli, address } = await freshProvider(other.url);
    const result = await cli("faucet");
    expect(result.stderr.trim()).toBe(
      `\`gridlease-agent faucet\` only funds addresses on the local chain (31337), but ${other.url} serves chain 1337: send ${address} ETH for gas and 250 of the stake token from a funded wallet instead.`,
    );
    expect(result.code).toBe(1);
    expect(await market.publicClient.getBalance({ address: address as `0x${string}` })).toBe(0n);
  });
});
