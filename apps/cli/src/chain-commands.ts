import { readFile } from "node:fs/promises";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { RenterClient, type GridleaseApi, type TxProgress } from "@gridlease/client";
import { createKeyFile, unlockKeyFile, DEFAULT_SCRYPT_N, type KeyFileWording } from "@gridlease/sdk/keyfile";
import { obtainPassphrase } from "@gridlease/sdk/passphrase";
import { Option, type Command } from "commander";
import { createPublicClient, createWalletClient, http, isAddress, type Address, type PublicClient } from "viem";
import type { GlobalOptions, Io } from "./cli";
import { CliError } from "./errors";
import { usdc } from "./output";
import { usdcToUnits } from "./query";

export interface CommandContext {
  io: Io;
  globals: () => GlobalOptions & { escrow?: string };
  api: () => GridleaseApi;
  print: (value: unknown, text: () => string) => unknown;
}

const WORDING: KeyFileWording = { what: "renter key file", createWith: "gridlease keys init" };

/** A whole number argument (lease id, hours, GPUs), refused with a sentence naming it otherwise. */
function whole(name: string, text: string, min = 1n): bigint {
  if (!/^\d{1,78}$/.test(text) || BigInt(text) < min) throw new CliError(`${name} must be a whole number of at least ${min}, not "${text}".`);
  return BigInt(text);
}

const when = (seconds: bigint) => (seconds === 0n ? null : Number(seconds));
const iso = (seconds: number | null) => (seconds === null ? "—" : `${new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`);

/** The commands that sign transactions or read the chain (contracts v2 ABI, via @gridlease/client). */
export function registerChainCommands(program: Command, { io, globals, print }: CommandContext): void {
  program.addOption(new Option("--escrow <address>", "LeaseEscrow address (default: the chain's recorded deployment)").env("GRIDLEASE_ESCROW"));

  const publicClient = () => createPublicClient({ transport: http(globals().rpc), pollingInterval: 250 }) as PublicClient;

  /** Progress on stderr, so `--json` output on stdout stays parseable. */
  const progress = (event: TxProgress) => {
    if (event.stage === "signing") io.stderr.write(`… signing the ${event.what}\n`);
    if (event.stage === "sent") io.stderr.write(`… ${event.what} sent (${event.hash}); waiting for it to be mined\n`);
    if (event.stage === "confirmed") io.stderr.write(`✓ ${event.what} confirmed in block ${event.block}\n`);
  };

  async function renter(): Promise<RenterClient> {
    const { keyFile, passphraseFile, escrow } = globals();
    if (escrow !== undefined && !isAddress(escrow)) throw new CliError(`--escrow must be a 0x address, not "${escrow}".`);
    const keys = await unlockKeyFile(keyFile, await obtainPassphrase({ passphraseFile, prompt: "Renter key passphrase: " }), WORDING);
    const client = publicClient();
    const chainId = await client.getChainId().catch((error: Error) => {
      throw new CliError(`Cannot reach the chain at ${globals().rpc} (--rpc / GRIDLEASE_RPC): ${error.message.split("\n")[0]}`);
    });
    const walletClient = createWalletClient({
      account: keys.account,
      transport: http(globals().rpc),
      chain: {
        id: chainId,
        name: `chain ${chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [globals().rpc] } },
      },
    });
    try {
      return await RenterClient.connect({
        publicClient: client,
        walletClient,
        account: keys.account,
        contracts: { chainId, ...(escrow ? { escrow: escrow as Address } : {}) },
        onProgress: progress,
      });
    } catch (error) {
      throw new CliError(`No Gridlease escrow known on chain ${chainId}: pass --escrow (${(error as Error).message.split("\n")[0]})`);
    }
  }

  const keys = program.command("keys").description("the encrypted renter key file");
  keys
    .command("init")
    .description("create the renter key file (an Ethereum key, encrypted with a passphrase); no private key ever goes in argv or env")
    .option("--import-private-key-file <file>", "use this existing Ethereum private key (hex, one line) instead of generating one")
    .addOption(new Option("--scrypt-n <n>", "scrypt cost (power of two)").default(DEFAULT_SCRYPT_N).argParser(Number).hideHelp())
    .action(async (options: { importPrivateKeyFile?: string; scryptN: number }) => {
      const { keyFile, passphraseFile } = globals();
      let privateKey: `0x${string}` | undefined;
      if (options.importPrivateKeyFile) {
        const text = (await readFile(options.importPrivateKeyFile, "utf8")).trim();
        const candidate = (text.startsWith("0x") ? text : `0x${text}`) as `0x${string}`;
        if (!/^0x[0-9a-fA-F]{64}$/.test(candidate)) throw new CliError(`${options.importPrivateKeyFile} does not hold a 32-byte hex private key.`);
        privateKey = candidate;
      }
      if (!existsSync(path.dirname(keyFile))) mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      const passphrase = await obtainPassphrase({ passphraseFile, confirm: true, prompt: "New renter key passphrase: " });
      const created = await createKeyFile(keyFile, passphrase, { privateKey, scryptN: options.scryptN, wording: WORDING });
      print(
        { keyFile, address: created.address },
        () => `Wrote ${keyFile}\nRenter address: ${created.address}\nFund it with ETH for gas and USDC for deposits, then \`gridlease search\`.`,
      );
    });

  program
    .command("book")
    .description("book GPUs of an offer (pays the deposit by permit; refused if the price rose above --max-price)")
    .argument("<offerId>", "offer id")
    .requiredOption("--hours <n>", "how many hours")
    .option("--gpus <n>", "how many GPUs", "1")
    .requiredOption("--max-price <usdc>", "most USDC per GPU-hour you accept, e.g. 2.50")
    .requiredOption("--ssh-key <file>", "your SSH public key file (e.g. ~/.ssh/id_ed25519.pub)")
    .option("--note <text>", "a note for the provider (sealed with the request)")
    .action(async (offerId: string, options: { hours: string; gpus: string; maxPrice: string; sshKey: string; note?: string }) => {
      const params = {
        offerId: whole("offerId", offerId),
        hours: Number(whole("--hours", options.hours)),
        gpus: Number(whole("--gpus", options.gpus)),
        maxPricePerGpuHour: usdcToUnits(options.maxPrice),
      };
      let sshPublicKey: string;
      try {
        sshPublicKey = (await readFile(options.sshKey, "utf8")).trim();
      } catch (error) {
        throw new CliError(`Cannot read the SSH key ${options.sshKey}: ${(error as Error).message}`);
      }
      const client = await renter();
      const booked = await client.book({ ...params, sshPublicKey, note: options.note });
      const out = { action: "book", leaseId: booked.leaseId.toString(), deposit: booked.deposit.toString(), hash: booked.hash, block: booked.block.toString() };
      print(
        out,
        () =>
          `Booked lease #${booked.leaseId} (deposit ${usdc(booked.deposit)} USDC). The provider has until its accept window closes; see \`gridlease status ${booked.leaseId}\`.`,
      );
    });

  program
    .command("status")
    .description("a lease as the chain has it")
    .argument("<leaseId>", "lease id")
    .action(async (leaseId: string) => {
      const client = await renter();
      const id = whole("leaseId", leaseId);
      const lease = await client.getLease(id);
      if (lease.statusName === "None") throw new CliError(`Lease #${id} does not exist.`);
      const sealed = await client.sealedAccess(id);
      const out = {
        leaseId: id.toString(),
        offerId: lease.offerId.toString(),
        renter: lease.renter,
        provider: lease.provider,
        status: lease.statusName,
        gpuCount: lease.gpus,
        durationHours: lease.durationHours,
        pricePerGpuHour: lease.pricePerGpuHour.toString(),
        deposit: lease.deposit.toString(),
        paidGross: lease.paidGross.toString(),
        acceptDeadline: when(lease.acceptDeadline),
        startedAt: when(lease.acceptedAt),
        endsAt: when(lease.endsAt),
        hasAccess: sealed !== null,
      };
      print(out, () =>
        [
          `Lease #${id}: ${out.status}, ${lease.gpus} GPU(s) of offer #${lease.offerId} for ${lease.durationHours} h at ${usdc(lease.pricePerGpuHour)} USDC/GPU-h`,
          `Deposit ${usdc(lease.deposit)} USDC, paid out ${usdc(lease.paidGross)} USDC`,
          out.status === "Pending"
            ? `Waiting for the provider to accept (until ${iso(out.acceptDeadline)})`
            : `Started ${iso(out.startedAt)}, ends ${iso(out.endsAt)}`,
          sealed ? `Access details are ready: \`gridlease access ${id}\`` : "No access details yet.",
        ].join("\n"),
      );
    });

  program
    .command("extend")
    .description("add hours to an active lease at the offer's current price")
    .argument("<leaseId>", "lease id")
    .requiredOption("--hours <n>", "hours to add")
    .option("--max-price <usdc>", "most USDC per GPU-hour you accept (default: the current price)")
    .action(async (leaseId: string, options: { hours: string; maxPrice?: string }) => {
      const client = await renter();
      const id = whole("leaseId", leaseId);
      const result = await client.extend({
        leaseId: id,
        extraHours: Number(whole("--hours", options.hours)),
        maxPricePerGpuHour: options.maxPrice ? usdcToUnits(options.maxPrice) : undefined,
      });
      print(
        { action: "extend", leaseId: id.toString(), extraDeposit: result.extraDeposit?.toString() ?? null, hash: result.hash, block: result.block.toString() },
        () => `Extended lease #${id} by ${options.hours} h${result.extraDeposit !== undefined ? ` (paid ${usdc(result.extraDeposit)} USDC)` : ""}.`,
      );
    });

  program
    .command("cancel")
    .description("cancel a lease; the unused time is refunded")
    .argument("<leaseId>", "lease id")
    .action(async (leaseId: string) => {
      const client = await renter();
      const id = whole("leaseId", leaseId);
      const result = await client.cancel(id);
      print({ action: "cancel", leaseId: id.toString(), hash: result.hash, block: result.block.toString() }, () => `Cancelled lease #${id}.`);
    });

  program
    .command("dispute")
    .description("open a dispute on a lease (pays the dispute bond)")
    .argument("<leaseId>", "lease id")
    .requiredOption("--evidence <text>", "what went wrong, with times and what you tried")
    .action(async (leaseId: string, options: { evidence: string }) => {
      if (options.evidence.trim().length < 10) throw new CliError("--evidence: describe what went wrong (at least 10 characters).");
      const client = await renter();
      const id = whole("leaseId", leaseId);
      const result = await client.openDispute(id, options.evidence.trim());
      print(
        { action: "dispute", leaseId: id.toString(), bond: result.bond.toString(), hash: result.hash, block: result.block.toString() },
        () => `Opened a dispute on lease #${id} (bond ${usdc(result.bond)} USDC). An arbiter decides.`,
      );
    });

  program
    .command("access")
    .description("decrypt the lease's access details locally (they never leave this machine)")
    .argument("<leaseId>", "lease id")
    .action(async (leaseId: string) => {
      const client = await renter();
      const id = whole("leaseId", leaseId);
      const access = await client.accessDetails(id);
      if (!access) throw new CliError(`Lease #${id} has no access details yet (the provider has not accepted it).`);
      print(access, () =>
        Object.entries(access)
          .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join("\n"),
      );
    });
}
