import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { SdkError } from "./errors";

export class PassphraseError extends SdkError {
  readonly code = "passphrase";
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    return Promise.reject(new PassphraseError("No passphrase: set GRIDLEASE_PASSPHRASE or pass --passphrase-file (stdin is not a terminal to ask on)."));
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

/**
 * Passphrase from --passphrase-file, else GRIDLEASE_PASSPHRASE, else a terminal prompt (asked twice when
 * `confirm`). Shared by the provider agent and the renter CLI; `prompt` names whose key it unlocks.
 */
export async function obtainPassphrase(options: { passphraseFile?: string; confirm?: boolean; prompt?: string }): Promise<string> {
  if (options.passphraseFile) {
    try {
      return (await readFile(options.passphraseFile, "utf8")).replace(/\r?\n$/, "");
    } catch (error) {
      throw new PassphraseError(`Cannot read passphrase file ${options.passphraseFile}: ${(error as Error).message}`);
    }
  }
  const fromEnv = process.env.GRIDLEASE_PASSPHRASE;
  // Read once, then gone from the environment, so no child process (scripts, nvidia-smi) can inherit it.
  delete process.env.GRIDLEASE_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const first = await promptHidden(options.prompt ?? "Provider key passphrase: ");
  if (options.confirm && (await promptHidden("Repeat the passphrase: ")) !== first) throw new PassphraseError("The passphrases do not match.");
  return first;
}
