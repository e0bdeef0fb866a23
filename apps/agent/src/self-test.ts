import { generateKeyPairSync } from "node:crypto";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { erc20Abi, formatEther, formatUnits, parseUnits, type Address } from "viem";
import { providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { connect, LOCAL_CHAIN_ID, noEthSentence, type ChainContext } from "./chain";
import { loadConfig, type AgentConfig } from "./config";
import { detectHardware, type HardwareReport } from "./detect/hardware";
import { unlockKeyFile, type ProviderKeys } from "./keyfile";
import { checkProviderReady, ProviderStatus } from "./provider";
import { parseScriptJson, runScript, type ScriptSpec } from "./scripts";
import { scriptEnvironment, type LeaseScriptInput } from "./serve/lease-request";

/** One line of the checklist: `problem` is a sentence that names the fix; absent when the check passed. */
export interface Check {
  name: string;
  detail?: string;
  problem?: string;
}

export interface SelfTestOptions {
  configPath: string;
  passphrase: () => Promise<string>;
  /** Also run one provision → deprovision cycle (the slow part; `serve` skips it). */
  cycle: boolean;
  /** Longest a self-test script run may take before it counts as hanging. */
  scriptTimeoutSeconds?: number;
}

export interface SelfTestResult {
  checks: Check[];
  ok: boolean;
  config?: AgentConfig;
  keys?: ProviderKeys;
  ctx?: ChainContext;
  hardware?: HardwareReport;
}

/** The dry-run cycle's lease id: real lease ids start at 1, so 0 can never collide with a renter's environment. */
export const DRY_RUN_LEASE_ID = "0";
const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 120;
const message = (error: unknown) => (error as Error).message.split("\n").join(" ");

/** Where `command` would be run from: a path as written, or the first PATH entry that has it. */
async function locateCommand(command: string): Promise<string | undefined> {
  const candidates = command.includes("/")
    ? [command]
    : (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    if (
      await stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** A sentence naming the fix when the configured script cannot be run, else undefined. */
export async function scriptProblem(key: "provision" | "deprovision", spec: ScriptSpec): Promise<string | undefined> {
  const found = await locateCommand(spec.command);
  if (!found) {
    return `${key}.command ${spec.command} does not exist: copy the example script there (apps/agent/examples/${key}-docker.sh or ${key}-local-user.sh) or fix ${key}.command in the config (relative paths are relative to the config file).`;
  }
  if (
    !(await access(found, constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    return `${key}.command ${found} is not executable: run \`chmod +x ${found}\`.`;
  return undefined;
}

/** A throwaway OpenSSH ed25519 public key for the dry-run lease (nobody holds its private key). */
function throwawaySshKey(): string {
  const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]).toString("base64")} gridlease-self-test`;
}

async function dryRunCycle(
  config: AgentConfig,
  hardware: HardwareReport | undefined,
  provider: Address,
  chainId: number,
  timeoutSeconds: number,
): Promise<Check> {
  const group = hardware?.groups.find((g) => g.model) ?? hardware?.groups[0];
  const input: LeaseScriptInput & { dryRun: true } = {
    event: "provision",
    dryRun: true,
    chainId,
    leaseId: DRY_RUN_LEASE_ID,
    offerId: "0",
    provider,
    renter: "0x0000000000000000000000000000000000000000",
    gpuModel: group?.model?.id ?? "none",
    gpus: group ? 1 : 0,
    gpuIndices: group ? [group.indices[0]] : [],
    gpuUuids: group ? [group.uuids[0]] : [],
    durationHours: 1,
    pricePerGpuHour: "0",
    acceptDeadline: Math.floor(Date.now() / 1000) + 900,
    sshPublicKey: throwawaySshKey(),
    note: "gridlease-agent self-test (dry run)",
  };
  const envOf = (lease: LeaseScriptInput) => ({ ...scriptEnvironment(lease), GRIDLEASE_DRY_RUN: "1" });
  const removal = (reason: string) => ({ ...input, event: "deprovision" as const, reason });
  const limit = (spec: ScriptSpec) => ({ ...spec, timeoutSeconds: Math.min(spec.timeoutSeconds, timeoutSeconds) });
  const name = "provision → deprovision dry run";
  try {
    const { stdout } = await runScript(limit(config.provision), input, { env: envOf(input) });
    parseScriptJson(stdout, config.provision.command);
  } catch (error) {
    // Clean up whatever the failed run left, as serve would; its own failure is reported below.
    const cleanup = await runScript(limit(config.deprovision), removal("self-test cleanup"), { env: envOf(removal("self-test cleanup")) }).then(
      () => "",
      (e) => ` The cleanup deprovision failed too: ${message(e)}.`,
    );
    return {
      name,
      problem: `The provisioning script failed a dry run, so renters would be declined: ${message(error)}. Fix ${config.provision.command} (run it by hand with this lease on stdin) before serving.${cleanup}`,
    };
  }
  try {
    await runScript(limit(config.deprovision), removal("self-test"), { env: envOf(removal("self-test")) });
  } catch (error) {
    return {
      name,
      problem: `The deprovisioning script failed a dry run, so renters' access would not be revoked: ${message(error)}. Fix ${config.deprovision.command} and remove the dry-run environment (lease ${DRY_RUN_LEASE_ID}) by hand.`,
    };
  }
  return { name, detail: `lease ${DRY_RUN_LEASE_ID} provisioned and removed` };
}

/**
 * Checks a host the way a renter's booking would exercise it, in order; a failing step that later
 * steps need (config, key, chain) ends the run. Never throws for a problem it can name.
 */
export async function selfTest(options: SelfTestOptions): Promise<SelfTestResult> {
  const checks: Check[] = [];
  const done = (extra: Partial<SelfTestResult> = {}): SelfTestResult => ({ checks, ok: checks.every((c) => !c.problem), ...extra });
  let config: AgentConfig;
  try {
    config = await loadConfig(options.configPath);
    checks.push({ name: "config", detail: options.configPath });
  } catch (error) {
    checks.push({ name: "config", problem: message(error) });
    return done();
  }
  // With `workloads` the container provisioner replaces the scripts (its runtime is checked when `serve` starts).
  for (const key of config.workloads ? [] : (["provision", "deprovision"] as const)) {
    const problem = await scriptProblem(key, config[key]);
    checks.push({ name: `${key} script`, detail: config[key].command, problem });
  }
  let hardware: HardwareReport | undefined;
  try {
    hardware = await detectHardware({ nvidiaSmi: config.nvidiaSmi, diskPath: config.offer.diskPath });
    const gpus = hardware.groups.map((g) => `${g.count}× ${g.model?.id ?? `${g.smiName} (not listable)`}`).join(", ");
    checks.push({ name: "GPU detection", detail: gpus || undefined, problem: hardware.gpuProblem ? `No GPUs detected: ${hardware.gpuProblem}` : undefined });
  } catch (error) {
    checks.push({ name: "GPU detection", problem: message(error) });
  }
  let keys: ProviderKeys;
  try {
    keys = await unlockKeyFile(config.keyFile, await options.passphrase());
    checks.push({ name: "provider key", detail: keys.account.address });
  } catch (error) {
    checks.push({ name: "provider key", problem: message(error) });
    return done({ config, hardware });
  }
  let ctx: ChainContext;
  try {
    ctx = await connect(config, keys.account);
    checks.push({ name: "chain", detail: `chain ${ctx.chainId} at ${config.rpcUrl}` });
  } catch (error) {
    checks.push({ name: "chain", problem: message(error) });
    return done({ config, keys, hardware });
  }
  const me = keys.account.address;
  const eth = await ctx.publicClient.getBalance({ address: me });
  checks.push({ name: "ETH for gas", detail: `${formatEther(eth)} ETH`, problem: eth === 0n ? noEthSentence(me, ctx.chainId) : undefined });
  const [tokens, provider] = await Promise.all([
    ctx.publicClient.readContract({ address: ctx.contracts.token, abi: erc20Abi, functionName: "balanceOf", args: [me] }),
    ctx.publicClient.readContract({ address: ctx.contracts.registry, abi: providerRegistryAbi, functionName: "getProvider", args: [me] }),
  ]);
  const stake = parseUnits(config.provider.stake, ctx.tokenDecimals);
  const registered = provider.status === ProviderStatus.Active;
  const fmt = (v: bigint) => `${formatUnits(v, ctx.tokenDecimals)} ${ctx.tokenSymbol}`;
  const tokenFix =
    ctx.chainId === LOCAL_CHAIN_ID ? "run `gridlease-agent faucet` (local chain)" : `send it ${fmt(stake - tokens)} (token ${ctx.contracts.token})`;
  checks.push({
    name: "stake token",
    detail: registered ? `${fmt(tokens)} held, ${fmt(provider.stake)} staked` : `${fmt(tokens)} held`,
    problem: !registered && tokens < stake ? `${me} holds ${fmt(tokens)} but registering stakes ${fmt(stake)}: ${tokenFix}.` : undefined,
  });
  const ready = await checkProviderReady(ctx, keys);
  checks.push({
    name: "registration and key",
    detail: ready.length ? undefined : "registered, encryption key matches",
    problem: ready.length ? ready.join(" ") : undefined,
  });
  const scriptsRunnable = checks.every((c) => !c.name.endsWith(" script") || !c.problem);
  if (options.cycle && scriptsRunnable && !config.workloads)
    checks.push(await dryRunCycle(config, hardware, me, ctx.chainId, options.scriptTimeoutSeconds ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS));
  return done({ config, keys, ctx, hardware });
}

/** The checklist as printed: one line per check, and one sentence under each failure. */
export function formatChecklist(checks: Check[]): string {
  return checks.map((c) => `${c.problem ? "✗" : "✓"} ${c.name}${c.detail ? `: ${c.detail}` : ""}${c.problem ? `\n    ${c.problem}` : ""}`).join("\n");
}
