/**
 * The renter CLI: `gridlease search|offer|book|status|extend|cancel|access|dispute|keys`.
 * runCli is the whole program with its output streams passed in, so tests run it in-process.
 */
import { GridleaseApi, GridleaseApiError } from "@gridlease/client";
import { Command, CommanderError, Option } from "commander";
import { offersTable, usdc } from "./output";
import { searchOffers } from "./search";
import { registerChainCommands } from "./chain-commands";
import { CliError, isKnownError } from "./errors";

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export { CliError } from "./errors";

export interface GlobalOptions {
  api: string;
  rpc: string;
  keyFile: string;
  passphraseFile?: string;
  json?: boolean;
}

export function buildProgram(io: Io): Command {
  const program = new Command("gridlease")
    .description("Search, book and manage Gridlease GPU leases from a terminal.")
    .addOption(new Option("--api <url>", "the Gridlease web app (its /api)").env("GRIDLEASE_API").default("http://127.0.0.1:3000"))
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("GRIDLEASE_RPC").default("http://127.0.0.1:8545"))
    .addOption(
      new Option("--key-file <file>", "encrypted renter key file (create with `gridlease keys init`)")
        .env("GRIDLEASE_KEY_FILE")
        .default(`${process.env.HOME ?? "."}/.gridlease/renter-key.json`),
    )
    .option("--passphrase-file <file>", "read the key passphrase from this file (else GRIDLEASE_PASSPHRASE, else a prompt)")
    .option("--json", "print JSON (a stable schema per command) instead of text")
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  const api = () => new GridleaseApi({ baseUrl: globals().api });
  const print = (value: unknown, text: () => string) => io.stdout.write(`${globals().json ? JSON.stringify(value, null, 2) : text()}\n`);

  program
    .command("search")
    .description("search offers: conditions `field op value` (op: < <= == != >= > in notin), e.g. 'gpu in [H100-SXM,A100] num_gpus>=2 dph<2.5'")
    .argument("[query...]", "conditions (quote the whole query or each condition)")
    .option("-o, --order <fields>", "sort by fields, `field-` or `field:desc` for descending, comma-separated", "price")
    .option("-n, --limit <n>", "print at most n offers", (v) => Number(v))
    .option("--include-offline", "include offers whose provider is offline")
    .action(async (words: string[], options: { order: string; limit?: number; includeOffline?: boolean }) => {
      const result = await searchOffers(api(), { query: words.join(" "), sort: options.order, limit: options.limit, includeOffline: options.includeOffline });
      print(result, () => {
        if (result.offers.length === 0) return `No offers match (${result.scanned} read).`;
        const more = result.matched > result.offers.length ? ` (${result.matched} match; showing ${result.offers.length})` : "";
        return `${offersTable(result.offers)}\n${result.offers.length} offer(s)${more}${result.truncated ? "; stopped reading after the scan limit" : ""}.`;
      });
    });

  program
    .command("offer")
    .description("show one offer with its provider and price history")
    .argument("<id>", "offer id")
    .action(async (id: string) => {
      const offer = await api().getOffer(id);
      if (!offer) throw new CliError(`Offer ${id} does not exist.`);
      print(offer, () => {
        const o = offer as Record<string, unknown> & { provider: Record<string, unknown> };
        return [
          `Offer #${o.offerId}: ${o.gpuCount}× ${o.gpuLabel ?? o.gpuModel} (${o.vramGb} GB VRAM), ${o.freeUnits} free`,
          `Host: ${o.cpuCores} CPU cores, ${o.ramGb} GB RAM, ${o.diskGb} GB disk, ${o.bandwidthMbps} Mbps, region ${o.region}`,
          `Price: ${usdc(o.pricePerGpuHour as string)} USDC per GPU-hour; ${o.minHours}–${o.maxHours} hours; status ${o.status}`,
          `Provider: ${o.provider.address ?? ""} reliability ${o.provider.reliability ?? "?"}`,
        ].join("\n");
      });
    });

  registerChainCommands(program, { io, globals, api, print });
  return program;
}

/** Runs the CLI; returns the exit status. Expected failures print one sentence, never a stack. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const known = isKnownError(error);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`gridlease: ${known ? message : `unexpected error: ${(error as Error)?.stack ?? message}`}\n`);
    if (error instanceof GridleaseApiError && error.status === 0)
      io.stderr.write("gridlease: is the web app running there? Point --api (or GRIDLEASE_API) at it.\n");
    return 1;
  }
}
