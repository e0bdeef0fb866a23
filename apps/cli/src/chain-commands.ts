import type { GridleaseApi } from "@gridlease/client";
import type { Command } from "commander";
import type { GlobalOptions, Io } from "./cli";

export interface CommandContext {
  io: Io;
  globals: () => GlobalOptions;
  api: () => GridleaseApi;
  print: (value: unknown, text: () => string) => unknown;
}

/** The commands that sign transactions or read the chain (written against the contracts v2 ABI). */
export function registerChainCommands(_program: Command, _context: CommandContext): void {}
