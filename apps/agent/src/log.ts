export type LogLevel = "info" | "warn" | "error";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One line per event: `<ISO time> <LEVEL> <message>`; grep-friendly for providers and for tests. */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: LogLevel) => (message: string) => write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`);
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
