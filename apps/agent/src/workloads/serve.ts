import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { ChainContext } from "../chain";
import type { AgentConfig } from "../config";
import type { Journal } from "../journal";
import type { ProviderKeys } from "../keyfile";
import type { Logger } from "../log";
import { WorkloadManager } from "./manager";
import { StatusServer } from "./status-server";

/** Name of the file in the state folder that holds the provider's status token (mode 0600). */
export const PROVIDER_TOKEN_FILE = "workload-provider-token";

/**
 * `serve` with `workloads` in the config: the container provisioner and its status API. The
 * provider's own token (every lease's status, for the dashboard) is written to the state folder
 * rather than logged, since logs are often shipped elsewhere.
 */
export async function startWorkloads(
  config: AgentConfig,
  keys: ProviderKeys,
  ctx: ChainContext,
  journal: Journal,
  log: Logger,
): Promise<{ workloads: WorkloadManager; close(): Promise<void> } | undefined> {
  if (!config.workloads) return undefined;
  const workloads = new WorkloadManager({
    config: config.workloads,
    stateDir: config.stateDir,
    journal,
    log,
    secret: keys.encryption.privateKey,
    chainId: ctx.chainId,
    escrow: ctx.contracts.escrow,
  });
  const version = await workloads.runtime.exec(["--version"]).catch((error: Error) => ({ code: -1, stdout: "", stderr: error.message }));
  if (version.code !== 0)
    throw new Error(`workloads.runtime is ${config.workloads.runtime} but \`${workloads.runtime.binary} --version\` failed: ${version.stderr.trim()}`);
  const server = new StatusServer(workloads, log);
  const port = await server.listen(config.workloads.statusApi.host, config.workloads.statusApi.port);
  workloads.statusPort = port;
  const tokenFile = path.join(config.stateDir, PROVIDER_TOKEN_FILE);
  await writeFile(tokenFile, `${workloads.providerToken()}\n`, { mode: 0o600 });
  log.info(`workloads: ${version.stdout.trim()}; status API on ${config.workloads.statusApi.host}:${port}; the provider's dashboard token is in ${tokenFile}.`);
  return { workloads, close: () => server.close() };
}
