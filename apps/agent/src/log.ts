export type LogLevel = "info" | "warn" | "error";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Makes text safe for a one-line terminal log: control characters (newlines, ESC and so terminal escape
 * sequences, C1 controls), bidi overrides and Unicode line separators become visible escapes. Renter
 * text (notes, key comments, a script's stderr echoing them) reaches this log; raw, it could forge log
 * lines or drive the provider's terminal.
 */
export function escapeForLog(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** One line per event: `<ISO time> <LEVEL> <message>`; grep-friendly for providers and for tests. */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: LogLevel) => (message: string) => write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${escapeForLog(message)}`);
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
