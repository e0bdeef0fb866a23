import { lookup } from "node:dns/promises";
import { mkdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import nodemailer from "nodemailer";
import { privateAddressReason } from "@gridlease/sdk/notifications";
import { signWebhook } from "@gridlease/sdk/webhook-signature";
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from "@gridlease/sdk/notifications";

export interface Email {
  to: string;
  subject: string;
  text: string;
  unsubscribeUrl?: string;
}

export interface Mailer {
  send(email: Email): Promise<void>;
  describe: string;
  close(): void;
}

/** SMTP through nodemailer when SMTP_URL is set; otherwise each email is written as an .eml file (local `npm start`). */
export function createMailer(opts: { smtpUrl?: string; mailDir: string; from: string }): Mailer {
  const headersOf = (email: Email) =>
    email.unsubscribeUrl ? { "List-Unsubscribe": `<${email.unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : undefined;
  if (opts.smtpUrl) {
    // Pooled: a burst of messages reuses a few open connections instead of a TCP+SMTP handshake per email.
    const transport = nodemailer.createTransport({ url: opts.smtpUrl, pool: true, maxConnections: 4 } as Parameters<typeof nodemailer.createTransport>[0]);
    const where = new URL(opts.smtpUrl);
    return {
      describe: `SMTP ${where.hostname}:${where.port || (where.protocol === "smtps:" ? 465 : 587)}`,
      async send(email) {
        await transport.sendMail({ from: opts.from, to: email.to, subject: email.subject, text: email.text, headers: headersOf(email) });
      },
      close: () => transport.close(),
    };
  }
  const dir = resolve(opts.mailDir);
  mkdirSync(dir, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  let n = 0;
  return {
    describe: `no SMTP_URL: emails written to ${dir}`,
    async send(email) {
      const info = await transport.sendMail({ from: opts.from, to: email.to, subject: email.subject, text: email.text, headers: headersOf(email) });
      await writeFile(join(dir, `${Date.now()}-${process.pid}-${n++}.eml`), info.message as Buffer);
    },
    close: () => transport.close(),
  };
}

export class DeliveryError extends Error {}

/**
 * POSTs a signed JSON body. Any answer but 2xx is a failure (redirects are not followed: a webhook
 * must not be bounced to another host). In production mode the host's addresses are resolved first
 * and private ones refused, so a subscription cannot aim the notifier at the internal network.
 */
export async function postWebhook(opts: {
  url: string;
  secret: string;
  body: string;
  deliveryId: string;
  timeoutMs: number;
  production: boolean;
  nowSeconds?: number;
}): Promise<number> {
  const url = new URL(opts.url);
  if (opts.production) {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const addresses = await lookup(host, { all: true }).catch((e: Error) => {
      throw new DeliveryError(`cannot resolve ${host}: ${e.message}`);
    });
    for (const { address } of addresses) {
      const reason = privateAddressReason(address);
      if (reason) throw new DeliveryError(`${host} resolves to ${address}, ${reason}; refused in production mode`);
    }
  }
  const timestamp = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": "Gridlease-Notifier/1",
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(opts.secret, timestamp, opts.body),
        [WEBHOOK_ID_HEADER]: opts.deliveryId,
      },
      body: opts.body,
    });
  } catch (error) {
    throw new DeliveryError(`POST ${url.origin} failed: ${(error as Error).message}`);
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) throw new DeliveryError(`POST ${url.origin} answered ${response.status}`);
  return response.status;
}
