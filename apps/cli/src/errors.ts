/** An error whose message is the whole story for the user (printed without a stack trace). */
export class CliError extends Error {}
