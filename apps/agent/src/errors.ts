import { CodedError } from "@gridlease/sdk/errors";

/**
 * Base of every error the agent expects: its message is a sentence for the operator, printed by the
 * CLI without a stack trace (cli.ts asks `instanceof AgentError`, plus the sdk's SdkError for key files
 * and passphrases). A new kind of expected error extends this with its own `code`.
 */
export abstract class AgentError extends CodedError {}
