import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import { SANDBOX_COMMAND } from "../src/sandbox";

/**
 * Writes the fleet config the benchmarks run: the development mnemonic's `providers`, leases
 * provisioned by the built-in sandbox provisioner (src/sandbox.ts, as `npm start`'s fleet) into a fresh
 * temporary folder, a quarter-second poll.
 * Returns the config's path.
 */
export async function writeSandboxFleetConfig(options: {
  tmpPrefix: string;
  rpcUrl: string;
  apiUrl: string;
  deployment: GridleaseDeployment;
  providers: number[];
}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), options.tmpPrefix));
  await mkdir(path.join(dir, "sandboxes"));
  const sandboxEnv = { GRIDLEASE_SANDBOX_ROOT: path.join(dir, "sandboxes") };
  const configPath = path.join(dir, "fleet.json");
  const { registry, escrow, token } = options.deployment;
  await writeFile(
    configPath,
    JSON.stringify({
      rpcUrl: options.rpcUrl,
      chainId: 31337,
      apiUrl: options.apiUrl,
      contracts: { registry: registry.address, escrow: escrow.address, token: token.address, deployBlock: Number(registry.deployBlock) },
      provision: { command: SANDBOX_COMMAND, timeoutSeconds: 30, env: sandboxEnv },
      deprovision: { command: SANDBOX_COMMAND, timeoutSeconds: 30, env: sandboxEnv },
      // A quarter-second poll: a booking waits for the next poll before its accept can be sent, and the
      // accept must make the next block (one a second) for booking → accepted to stay near a second.
      intervals: { pollSeconds: 0.25, heartbeatSeconds: 60, claimSeconds: 3600 },
      providers: options.providers.map((mnemonicIndex) => ({ mnemonicIndex })),
    }),
  );
  return configPath;
}
