import { z } from "zod";
import { notifyProductionMode } from "@gridlease/sdk/notifications";

/**
 * The notifier's environment, validated once at start; a bad value is reported as one sentence naming
 * the variable (see main.ts), never as a stack trace.
 */
const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");
const seconds = (fallback: number, min: number) => z.coerce.number().min(min).default(fallback);

export const notifierEnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
  CHAIN_ID: z.coerce.number().int().positive("must be a positive integer"),
  /** The web app's public origin: confirmation and unsubscribe links point there. */
  PUBLIC_ORIGIN: z
    .url({ protocol: /^https?$/, error: "must be the web app's http(s) origin, e.g. https://gridlease.example" })
    .default("http://127.0.0.1:3000"),
  /** smtp(s)://user:pass@host:port of any SMTP server. Unset: every email is written as an .eml file to MAIL_DIR instead. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example:587" }).optional(),
  MAIL_DIR: z.string().min(1).default(".data/local/mail"),
  MAIL_FROM: z.string().min(3).default("Gridlease <notifications@gridlease.local>"),
  /** Production mode refuses webhook URLs that resolve to private, loopback or link-local addresses (see notifyProductionMode). */
  NOTIFY_PRODUCTION: bool.optional(),
  /** Attempts after the first before a message is dead-lettered, and the base of the exponential backoff. */
  NOTIFY_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(6),
  NOTIFY_RETRY_DELAY_SECONDS: seconds(5, 1),
  /** A delivery running longer than this (e.g. a notifier killed mid-send) is retried by another worker. */
  NOTIFY_JOB_TIMEOUT_SECONDS: seconds(60, 2),
  NOTIFY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Outbox poll (a LISTEN wake-up usually comes first) and the time-based kinds' check. */
  NOTIFY_POLL_MS: z.coerce.number().int().min(50).default(1_000),
  NOTIFY_CLOCK_MS: z.coerce.number().int().min(100).default(15_000),
  /** Queue workers, and the messages each sends at once: up to CONCURRENCY × BATCH sends in flight. */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  NOTIFY_BATCH: z.coerce.number().int().min(1).max(100).default(8),
});

export type NotifierConfig = Omit<z.infer<typeof notifierEnvSchema>, "NOTIFY_PRODUCTION"> & { NOTIFY_PRODUCTION: boolean };

export class ConfigError extends Error {}

export function readNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const parsed = notifierEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Bad notifier configuration: ${issue.path.join(".")} ${issue.message}.`);
  }
  return { ...parsed.data, NOTIFY_PRODUCTION: notifyProductionMode(env.NOTIFY_PRODUCTION, parsed.data.PUBLIC_ORIGIN) };
}
