import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { queryOnce } from "@gridlease/db/embedded";
import { verifyWebhook } from "@gridlease/sdk/webhook-signature";
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from "@gridlease/sdk/notifications";
import { readNotifierConfig, type NotifierConfig } from "../src/config";

/** Real parts for the notifier's tests: an SMTP server and an HTTP webhook receiver, both in-process on free ports. */

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
  receivedAt: number;
}

/** Quoted-printable (what nodemailer uses for long text lines) back to text. */
function decodeQuotedPrintable(body: string): string {
  return body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function parseMail(raw: string, to: string[]): ReceivedMail {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head!.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = rest.join("\n\n");
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] ?? "")) text = decodeQuotedPrintable(text);
  if (/base64/i.test(headers["content-transfer-encoding"] ?? "")) text = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
  return { to, subject: headers.subject ?? "", text, headers, receivedAt: Date.now() };
}

export async function startSmtpSink(): Promise<{ url: string; mails: ReceivedMail[]; stop(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push(
          parseMail(
            Buffer.concat(chunks).toString("utf8"),
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface WebhookHit {
  deliveryId: string;
  body: string;
  json: { id: string; kind: string; data: Record<string, unknown> } & Record<string, unknown>;
  signature: string | undefined;
  status: number;
  receivedAt: number;
}

/**
 * A webhook receiver. `failFirst` answers 503 to the first N requests of each delivery id; `delayMs`
 * holds each answer (to catch a notifier mid-batch). `hits` records every request with its status.
 */
export async function startWebhookReceiver(opts: { failFirst?: number; delayMs?: number } = {}) {
  const hits: WebhookHit[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const deliveryId = String(req.headers[WEBHOOK_ID_HEADER] ?? "");
      const n = (seen.get(deliveryId) ?? 0) + 1;
      seen.set(deliveryId, n);
      const status = n <= (opts.failFirst ?? 0) ? 503 : 200;
      const answer = () => {
        hits.push({
          deliveryId,
          body,
          json: JSON.parse(body),
          signature: req.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined,
          status,
          receivedAt: Date.now(),
        });
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status === 200 }));
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    /** Successful (2xx) requests per delivery id. */
    delivered(): Map<string, WebhookHit[]> {
      const out = new Map<string, WebhookHit[]>();
      for (const hit of hits.filter((h) => h.status === 200)) out.set(hit.deliveryId, [...(out.get(hit.deliveryId) ?? []), hit]);
      return out;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const validSignature = (hit: WebhookHit, secret: string) => verifyWebhook(secret, hit.signature, hit.body);

export function testConfig(databaseUrl: string, extra: Record<string, string> = {}): NotifierConfig {
  return readNotifierConfig({
    DATABASE_URL: databaseUrl,
    CHAIN_ID: "31337",
    PUBLIC_ORIGIN: "http://127.0.0.1:3999",
    NOTIFY_RETRY_DELAY_SECONDS: "1",
    NOTIFY_RETRY_LIMIT: "5",
    NOTIFY_POLL_MS: "200",
    NOTIFY_CLOCK_MS: "3600000",
    NOTIFY_JOB_TIMEOUT_SECONDS: "5",
    ...extra,
  });
}

let tokenCounter = 0;
/** A confirmed subscription, as the web app stores one after the owner confirmed it. */
export async function subscribe(
  url: string,
  s: { wallet: string; channel: "email" | "webhook"; target: string; kinds: string[]; lowBalanceSeconds?: number; secret?: string; confirmed?: boolean },
) {
  const rows = await query<{ id: string }>(
    url,
    `insert into notify_subscription (chain_id, wallet, channel, target, kinds, low_balance_seconds, secret, confirm_token, unsubscribe_token, confirmed_at)
     values (31337, $1, $2, $3, $4, $5, $6, $7, $8, case when $9 then now() end) returning id::text`,
    [
      s.wallet.toLowerCase(),
      s.channel,
      s.target,
      s.kinds,
      s.lowBalanceSeconds ?? 3600,
      s.secret ?? "whsec-test",
      `confirm-${process.pid}-${++tokenCounter}-xxxxxxxxxxxx`,
      `unsub-${process.pid}-${tokenCounter}-xxxxxxxxxxxxxx`,
      s.confirmed ?? true,
    ],
  );
  return rows[0]!.id;
}

/** Rows of one query on its own connection (tests read what the notifier wrote). */
export const query = queryOnce;

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const messageCounts = async (url: string) =>
  Object.fromEntries(
    (await query<{ status: string; n: number }>(url, `select status, count(*)::int as n from notify_message group by status`)).map((r) => [r.status, r.n]),
  );
