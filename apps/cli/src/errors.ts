import { ClientError } from "@gridlease/client/errors";
import { CodedError, SdkError } from "@gridlease/sdk/errors";

/** An error whose message is the whole story for the user (printed without a stack trace); base of the CLI's errors. */
export class CliError extends CodedError {
  readonly code: string = "cli";
}

/**
 * Failures the CLI reports as their message alone: its own, the client's (API answers, refused
 * transactions) and the sdk's (key file, passphrase). Derived from the base classes, not listed by hand.
 */
export function isKnownError(error: unknown): boolean {
  return error instanceof CliError || error instanceof ClientError || error instanceof SdkError;
}
