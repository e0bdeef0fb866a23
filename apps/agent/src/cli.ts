import path from "node:path";
import { Command, Option } from "commander";
import { formatUnits, isHex, type Hex } from "viem";
import { readFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { connect, describeError } from "./chain";
import { loadConfig, type AgentConfig } from "./config";
import { detectHardware } from "./detect/hardware";
import { describeHardware, describeOffers } from "./format";
import { Journal } from "./journal";
import { createKeyFile, KeyFileError, unlockKeyFile, DEFAULT_SCRYPT_N } from "./keyfile";
import { createLogger } from "./log";
import { obtainPassphrase } from "./passphrase";
import { changeOffers, checkProviderReady, draftOffers, fetchOwnOffers, ListingError, publishOffers, registerProvider, type OfferAction } from "./provider";
import { ProviderAgent } from "./serve/agent";
import { fundLocally } from "./faucet";
import { formatChecklist, selfTest } from "./self-test";
import { readKeyFile } from "./keyfile";
import { Fleet } from "./serve/fleet";
import { loadFleetConfig } from "./serve/fleet-config";
import { startWorkloads } from "./workloads/serve";
import { cachedOffers, startProofOfGpu } from "./proof-of-gpu/start";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { SdkError } from "@gridlease/sdk/errors";
import { OFFER_STATUS } from "@gridlease/sdk/protocol";
import { AgentError } from "./errors";

const USDC_DECIMALS = 6;

/** Set by the bundle (scripts/bundle.mjs); from package.json when run from the workspace. */
declare const __GRIDLEASE_AGENT_VERSION__: string | undefined;
const VERSION =
  typeof __GRIDLEASE_AGENT_VERSION__ === "string"
    ? __GRIDLEASE_AGENT_VERSION__
    : (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const program = new Command()
  .name("gridlease-agent")
  .description("Turns a GPU host into a Gridlease listing and serves its renters.")
  .version(`gridlease-agent ${VERSION}`, "-V, --version")
  .option("-c, --config <file>", "agent config (JSON)", "gridlease-agent.json")
  .option("--passphrase-file <file>", "read the key passphrase from this file (else GRIDLEASE_PASSPHRASE, else a prompt)")
  .showHelpAfterError();

const globals = () => program.opts<{ config: string; passphraseFile?: string }>();
const say = (line: string) => process.stdout.write(`${line}\n`);

async function unlock(config: AgentConfig) {
  return unlockKeyFile(config.keyFile, await obtainPassphrase({ passphraseFile: globals().passphraseFile }));
}

program
  .command("detect")
  .description("show this host's GPUs, CPU, RAM and disk, and the listing `list` would publish")
  .option("--json", "print machine-readable JSON")
  .option("--no-config", "do not read the config file (hardware only)")
  .action(async (options: { json?: boolean; config: boolean }) => {
    // A missing default config only means "hardware only"; a file named with -c must exist, and a broken one is reported.
    const named = program.getOptionValueSource("config") === "cli";
    const config = options.config && (named || existsSync(globals().config)) ? await loadConfig(globals().config) : undefined;
    const hardware = await detectHardware({ nvidiaSmi: config?.nvidiaSmi, diskPath: config?.offer.diskPath });
    const listing = config ? draftOffers(config, hardware, USDC_DECIMALS) : undefined;
    if (options.json) {
      say(JSON.stringify({ hardware, listing }, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
      return;
    }
    say(describeHardware(hardware));
    if (listing) say(describeOffers(listing.offers, listing.skipped, USDC_DECIMALS, "USDC"));
    else if (options.config) say(`(No config at ${globals().config}: add one with offer.region and offer.pricePerGpuHour to preview the listing.)`);
  });

program
  .command("init")
  .description("create the provider key file: an Ethereum key and an X25519 encryption key, encrypted with a passphrase")
  .option("--key-file <file>", "where to write it (default: keyFile from the config, else ./provider-key.json)")
  .option("--import-private-key-file <file>", "use this existing Ethereum private key (hex, one line) instead of generating one")
  .addOption(new Option("--scrypt-n <n>", "scrypt cost (power of two)").default(DEFAULT_SCRYPT_N).argParser(Number).hideHelp())
  .action(async (options: { keyFile?: string; importPrivateKeyFile?: string; scryptN: number }) => {
    const keyFile = options.keyFile ?? (existsSync(globals().config) ? (await loadConfig(globals().config)).keyFile : path.resolve("provider-key.json"));
    let privateKey: Hex | undefined;
    if (options.importPrivateKeyFile) {
      const text = (await readFile(options.importPrivateKeyFile, "utf8")).trim();
      const candidate = text.startsWith("0x") ? text : `0x${text}`;
      if (!isHex(candidate) || candidate.length !== 66) throw new KeyFileError(`${options.importPrivateKeyFile} does not hold a 32-byte hex private key.`);
      privateKey = candidate;
    }
    const passphrase = await obtainPassphrase({ passphraseFile: globals().passphraseFile, confirm: true });
    const created = await createKeyFile(keyFile, passphrase, { privateKey, scryptN: options.scryptN });
    say(`Wrote ${keyFile}`);
    say(`Provider address:      ${created.address}`);
    say(`Encryption public key: ${created.encryptionPublicKey}`);
    say(
      `Next: fund ${created.address} with ETH for gas and the stake token (provider.stake in the config) — on the local chain (31337) run \`gridlease-agent faucet\`; elsewhere send both from a funded wallet — then run \`gridlease-agent register\`.`,
    );
  });

program
  .command("register")
  .description("stake and register as a provider (or update the encryption key / metadata URI)")
  .action(async () => {
    const config = await loadConfig(globals().config);
    const keys = await unlock(config);
    const ctx = await connect(config, keys.account);
    await registerProvider(ctx, keys, config, say);
  });

program
  .command("list")
  .description("publish or update the offers for this host's GPUs (config merged with detected hardware)")
  .action(async () => {
    const config = await loadConfig(globals().config);
    const hardware = await detectHardware({ nvidiaSmi: config.nvidiaSmi, diskPath: config.offer.diskPath });
    if (hardware.gpuProblem) throw new ListingError(`Nothing to list: ${hardware.gpuProblem}`);
    const keys = await unlock(config);
    const ctx = await connect(config, keys.account);
    const notReady = await checkProviderReady(ctx, keys);
    if (notReady.length) throw new ListingError(`Cannot list yet: ${notReady.join(" ")}`);
    const { offers, skipped } = draftOffers(config, hardware, ctx.tokenDecimals);
    for (const line of skipped) say(line);
    if (offers.length === 0) throw new ListingError("None of this host's GPUs can be listed.");
    const offerIds = await publishOffers(ctx, keys.account.address, offers, say);
    say(`Offers: ${offerIds.join(", ")}`);
  });

program
  .command("serve")
  .description("run the daemon: heartbeats, accept bookings via the provisioning script, revoke access, claim earnings")
  .action(async () => {
    const log = createLogger();
    // The fast part of `self-test`: a missing or non-executable script, or an unusable key, chain or
    // host, is refused here rather than discovered by a paying renter. Funding and registration only warn.
    const checked = await selfTest({
      configPath: globals().config,
      passphrase: () => obtainPassphrase({ passphraseFile: globals().passphraseFile }),
      cycle: false,
    });
    const fatal = checked.checks.filter((c) => c.problem && ["config", "provision script", "deprovision script", "provider key", "chain"].includes(c.name));
    if (fatal.length || !checked.config || !checked.keys || !checked.ctx || !checked.hardware) {
      const problems = checked.checks.filter((c) => c.problem).map((c) => c.problem);
      throw new ServeRefusedError(`Not serving: ${problems.join(" ")} (Run \`gridlease-agent self-test\` for the full checklist.)`);
    }
    for (const c of checked.checks) if (c.problem && c.name !== "GPU detection") log.warn(c.problem);
    const { config, keys, ctx, hardware } = checked;
    if (hardware.gpuProblem) log.warn(`no GPUs detected (${hardware.gpuProblem}); bookings cannot be given GPUs.`);
    else log.info(`hardware: ${hardware.groups.map((g) => `${g.count}× ${g.model?.id ?? g.smiName}`).join(", ")}`);
    const acceptWindow = await ctx.publicClient.readContract({ address: ctx.contracts.escrow, abi: leaseEscrowAbi, functionName: "acceptWindow" });
    if (config.provision.timeoutSeconds >= Number(acceptWindow)) {
      log.warn(
        `provision.timeoutSeconds (${config.provision.timeoutSeconds}) is not shorter than the escrow's accept window (${acceptWindow} s): a slow provisioning run would finish too late to accept.`,
      );
    }
    const journal = await Journal.open(config.stateDir);
    const containers = await startWorkloads(config, keys, ctx, journal, log);
    const agent = new ProviderAgent({ config, keys, ctx, journal, hardware, log, workloads: containers?.workloads });
    const pog = config.proofOfGpu
      ? await startProofOfGpu({
          config: config.proofOfGpu,
          apiUrl: config.apiUrl,
          chainId: ctx.chainId,
          registry: ctx.contracts.registry,
          publicClient: ctx.publicClient,
          providers: [{ account: keys.account, offers: cachedOffers(() => fetchOwnOffers(ctx, keys.account.address)), log }],
          log,
        })
      : undefined;
    process.once("SIGINT", () => agent.stop());
    process.once("SIGTERM", () => agent.stop());
    await agent.run();
    await pog?.close();
    await containers?.close();
    await journal.close();
  });

program
  .command("fleet")
  .description("serve many provider identities in one process (the same loop as `serve`); --config names the fleet config")
  .action(async () => {
    const fleet = await Fleet.open(await loadFleetConfig(globals().config));
    process.once("SIGINT", () => fleet.stop());
    process.once("SIGTERM", () => fleet.stop());
    await fleet.run();
  });

program
  .command("self-test")
  .description("check config, chain, funds, registration, GPUs and scripts, and run one dry-run provision → deprovision cycle")
  .option("--script-timeout <seconds>", "a dry-run script taking longer counts as hanging", (v) => Number(v), 120)
  .action(async (options: { scriptTimeout: number }) => {
    const result = await selfTest({
      configPath: globals().config,
      passphrase: () => obtainPassphrase({ passphraseFile: globals().passphraseFile }),
      cycle: true,
      scriptTimeoutSeconds: options.scriptTimeout,
    });
    say(formatChecklist(result.checks));
    const failed = result.checks.filter((c) => c.problem).length;
    say(failed ? `${failed} check(s) failed; fix them before \`gridlease-agent serve\`.` : "All checks passed: this host is ready to serve.");
    if (failed) process.exitCode = 1;
  });

program
  .command("faucet")
  .description("local chain only (31337): fund the provider address with ETH for gas and the stake token")
  .action(async () => {
    const config = await loadConfig(globals().config);
    const { address } = await readKeyFile(config.keyFile);
    await fundLocally(config, address as `0x${string}`, say);
  });

program
  .command("offers")
  .description("pause, resume or delist offers (all of this provider's, or the ids given); running leases continue")
  .argument("<action>", "pause | resume | delist")
  .argument("[offerIds...]", "offer ids (default: every offer the action applies to)")
  .action(async (action: string, ids: string[]) => {
    if (!["pause", "resume", "delist"].includes(action)) throw new ListingError(`Unknown action "${action}": use pause, resume or delist.`);
    const bad = ids.filter((id) => !/^[1-9]\d*$/.test(id));
    if (bad.length) throw new ListingError(`Offer ids are positive integers; got ${bad.join(", ")}.`);
    const config = await loadConfig(globals().config);
    const keys = await unlock(config);
    const ctx = await connect(config, keys.account);
    await changeOffers(ctx, keys.account.address, action as OfferAction, ids.map(BigInt), say);
  });

program
  .command("status")
  .description("show this provider's registration, offers and the journal's open environments")
  .action(async () => {
    const config = await loadConfig(globals().config);
    const keys = await unlock(config);
    const ctx = await connect(config, keys.account);
    const problems = await checkProviderReady(ctx, keys);
    say(`Provider ${keys.account.address} on chain ${ctx.chainId}: ${problems.length ? problems.join(" ") : "registered, encryption key matches"}`);
    const offers = await fetchOwnOffers(ctx, keys.account.address);
    for (const o of offers) {
      say(
        `  offer ${o.offerId}: ${OFFER_STATUS[o.status] ?? o.status}, ${o.spec.gpuCount}× ${o.spec.gpuModel} in ${o.spec.region}, ${o.reservedUnits} GPU(s) booked, ${formatUnits(o.spec.pricePerGpuHour, ctx.tokenDecimals)} ${ctx.tokenSymbol}/GPU/h`,
      );
    }
    if (offers.length === 0) say("  no offers; run `gridlease-agent list`.");
    const journal = await Journal.open(config.stateDir);
    const open = journal.all().filter((s) => s.provisionStarted && !s.deprovisioned);
    say(
      open.length
        ? `Environments not yet revoked: ${open.map((s) => `lease ${s.leaseId} (GPUs ${s.gpuIndices.join(",") || "-"})`).join(", ")}`
        : "No provisioned environments.",
    );
    await journal.close();
  });

class ServeRefusedError extends AgentError {
  readonly code = "serve_refused";
}

/** Errors whose message is the whole story: every AgentError, and the sdk's (key file, passphrase). */
const isExpected = (error: unknown) => error instanceof AgentError || error instanceof SdkError;

program.parseAsync().catch((error: unknown) => {
  if (isExpected(error)) process.stderr.write(`${(error as Error).message}\n`);
  else if ((error as { name?: string }).name?.endsWith("Error") && (error as { shortMessage?: string }).shortMessage)
    process.stderr.write(`${describeError(error)}\n`);
  else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
