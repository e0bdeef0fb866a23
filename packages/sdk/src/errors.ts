/**
 * Errors a program expects: the message is a whole sentence for a person (printed without a stack),
 * and `code` names the kind for logs, tests and JSON answers. Every package derives one base class
 * from CodedError (SdkError here; AgentError, CliError, IndexerError, DbError, ClientError in theirs),
 * and each specific error extends its package's base with its own `code`, so "is this one of ours?"
 * is one instanceof check instead of a hand-kept list.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;
}

/** Base of the sdk's expected errors (key files, passphrases, sealed boxes). */
export abstract class SdkError extends CodedError {}
