import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { startTempPostgres, type RunningPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { HARDHAT_MNEMONIC } from "@/lib/wallet/dev-accounts";
import { siweBody } from "./fixtures/siwe";
import { HOST, ORIGIN, relaxRateLimits, type Handler } from "./route-harness";

// Subscriptions and the notification centre through the real route handlers and embedded PostgreSQL
// (the migrations, the outbox the notifier reads). Sign-in is real EIP-4361 with a real signature.
const alice = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 7 });
const bob = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 8 });

let db: RunningPostgres;
let routes: Record<string, Record<string, Handler>>;

/** The app's own pool (DATABASE_URL is this test's database). */
async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const { getPool } = await import("@gridlease/db/client");
  return (await getPool().query<T>(text, values)).rows;
}

function call(handler: Handler, init: { method?: string; path: string; body?: unknown; cookie?: string; params?: Record<string, string> }) {
  const request = new Request(`${ORIGIN}${init.path}`, {
    method: init.method ?? "GET",
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    headers: { host: HOST, origin: ORIGIN, ...(init.cookie ? { cookie: init.cookie } : {}) },
  });
  return handler(request, { params: Promise.resolve(init.params ?? {}) });
}

async function signIn(who: HDAccount): Promise<string> {
  const nonceResponse = await call(routes.nonce!.POST!, { method: "POST", path: "/api/auth/nonce" });
  const { nonce } = (await nonceResponse.json()) as { nonce: string };
  const prelogin = nonceResponse.headers.get("set-cookie")!.split(";")[0]!;
  const response = await call(routes.account!.POST!, {
    method: "POST",
    path: "/api/auth/account",
    body: await siweBody(who, ORIGIN, nonce),
    cookie: prelogin,
  });
  expect(response.status).toBe(200);
  return response.headers
    .getSetCookie()
    .find((c) => c.startsWith("gridlease_account="))!
    .split(";")[0]!;
}

const subscribe = (cookie: string, body: unknown) =>
  call(routes.subscriptions!.POST!, { method: "POST", path: "/api/notifications/subscriptions", body, cookie });
const errorOf = async (response: Response) => ((await response.json()) as { error: { field?: string; message: string; code: string } }).error;

beforeAll(async () => {
  db = await startTempPostgres("gridlease-web-notify-");
  await runMigrations(db.url);
  process.env.DATABASE_URL = db.url;
  process.env.RPC_URL = "http://127.0.0.1:9"; // EOA signatures recover offline: no node needed
  process.env.CHAIN_ID = "31337";
  relaxRateLimits();
  routes = {
    nonce: await import("@/app/api/auth/nonce/route"),
    account: await import("@/app/api/auth/account/route"),
    subscriptions: await import("@/app/api/notifications/subscriptions/route"),
    subscription: await import("@/app/api/notifications/subscriptions/[id]/route"),
    test: await import("@/app/api/notifications/subscriptions/[id]/test/route"),
    messages: await import("@/app/api/notifications/messages/route"),
    confirm: await import("@/app/api/notifications/confirm/route"),
    unsubscribe: await import("@/app/api/notifications/unsubscribe/route"),
  } as unknown as Record<string, Record<string, Handler>>;
}, 120_000);

afterAll(async () => {
  const { closeDatabaseClients } = await import("@gridlease/db/client");
  await closeDatabaseClients();
  await db?.stop();
});

beforeEach(() => {
  delete process.env.NOTIFY_PRODUCTION;
});

describe("notification subscriptions", () => {
  it("refuses every route without a wallet sign-in (401), and the admin cookie does not count", async () => {
    expect((await call(routes.subscriptions!.GET!, { path: "/api/notifications/subscriptions" })).status).toBe(401);
    expect((await subscribe("gridlease_admin=x.y", { channel: "email", target: "a@example.com", kinds: ["accepted"] })).status).toBe(401);
    expect((await call(routes.messages!.GET!, { path: "/api/notifications/messages" })).status).toBe(401);
  });

  it("answers bad input with a 400 naming the field, and stores and sends nothing", async () => {
    const cookie = await signIn(alice);
    const cases: [unknown, string][] = [
      [{ channel: "email", target: "not-an-email", kinds: ["accepted"] }, "target"],
      [{ channel: "email", target: "a@example.com", kinds: [] }, "kinds"],
      [{ channel: "email", target: "a@example.com", kinds: ["booked", "everything"] }, "kinds.1"],
      [{ channel: "email", target: "a@example.com", kinds: ["accepted"], lowBalanceSeconds: 5 }, "lowBalanceSeconds"],
      [{ channel: "webhook", target: "ftp://example.com/hook", kinds: ["accepted"] }, "target"],
      [{ channel: "webhook", target: "javascript:alert(1)", kinds: ["accepted"] }, "target"],
      [{ channel: "webhook", target: "https://user:pw@example.com/hook", kinds: ["accepted"] }, "target"],
      [{ channel: "sms", target: "+15550100", kinds: ["accepted"] }, "channel"],
      [{ channel: "email", target: "a@example.com", kinds: ["accepted"], secret: "mine" }, "secret"],
    ];
    for (const [body, field] of cases) {
      const response = await subscribe(cookie, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(response)).field, JSON.stringify(body)).toBe(field);
    }
    expect((await subscribe(cookie, "{not json")).status).toBe(400);
    expect(await sql(`select id from notify_subscription`)).toEqual([]);
    expect(await sql(`select id from notify_outbox`)).toEqual([]);
  });

  it("in production mode refuses webhooks at private, loopback and local-only hosts; in development it takes a local receiver", async () => {
    const cookie = await signIn(alice);
    process.env.NOTIFY_PRODUCTION = "1";
    for (const target of [
      "http://127.0.0.1:8080/hook",
      "http://10.1.2.3/hook",
      "http://192.168.1.10/hook",
      "http://[::1]:9000/",
      "http://169.254.169.254/latest/meta-data",
      "http://localhost:3000/",
      "http://2130706433/",
      "https://printer.local/hook",
      "http://[::ffff:127.0.0.1]/",
    ]) {
      const response = await subscribe(cookie, { channel: "webhook", target, kinds: ["accepted"] });
      expect(response.status, target).toBe(400);
      const error = await errorOf(response);
      expect(error.field, target).toBe("target");
      expect(error.message, target).toMatch(/points at/);
    }
    expect(await sql(`select id from notify_subscription`)).toEqual([]);
    const publicHook = await subscribe(cookie, { channel: "webhook", target: "https://hooks.example.com/gridlease", kinds: ["accepted"] });
    expect(publicHook.status).toBe(201);
    process.env.NOTIFY_PRODUCTION = "0";
    const local = await subscribe(cookie, { channel: "webhook", target: "http://127.0.0.1:8080/hook", kinds: ["accepted", "closed"] });
    expect(local.status).toBe(201);
    const created = (await local.json()) as { subscription: { id: string; confirmed: boolean }; secret: string };
    expect(created.subscription.confirmed).toBe(true);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const list = await call(routes.subscriptions!.GET!, { path: "/api/notifications/subscriptions", cookie });
    expect(JSON.stringify(await list.json())).not.toContain(created.secret);
    expect(await sql(`select id from notify_outbox`)).toEqual([]); // webhooks need no confirmation email
  });

  it("mails a confirmation link, refuses a test message to the unconfirmed address (409, target), then takes it once confirmed", async () => {
    const cookie = await signIn(bob);
    const response = await subscribe(cookie, { channel: "email", target: "bob@example.com", kinds: ["accepted", "low_balance"], lowBalanceSeconds: 7200 });
    expect(response.status).toBe(201);
    const { subscription, confirmationSent, secret } = (await response.json()) as {
      subscription: { id: string; confirmed: boolean };
      confirmationSent: boolean;
      secret?: string;
    };
    expect([subscription.confirmed, confirmationSent, secret]).toEqual([false, true, undefined]);
    const outbox = await sql<{ source: string; args: { subscriptionId: string; confirmToken: string } }>(`select source, args from notify_outbox`);
    expect(outbox).toEqual([{ source: "confirm", args: expect.objectContaining({ subscriptionId: subscription.id }) }]);

    const params = { id: subscription.id };
    const refused = await call(routes.test!.POST!, { method: "POST", path: `/api/notifications/subscriptions/${subscription.id}/test`, cookie, params });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toMatchObject({ code: "unconfirmed", field: "target" });
    expect(await sql(`select id from notify_outbox where source = 'test'`)).toEqual([]);

    // Another wallet can neither test nor delete it.
    const alicesCookie = await signIn(alice);
    expect(
      (
        await call(routes.subscription!.DELETE!, {
          method: "DELETE",
          path: `/api/notifications/subscriptions/${subscription.id}`,
          cookie: alicesCookie,
          params,
        })
      ).status,
    ).toBe(404);

    expect((await call(routes.confirm!.GET!, { path: "/api/notifications/confirm?token=short" })).status).toBe(400);
    expect((await call(routes.confirm!.GET!, { path: `/api/notifications/confirm?token=${"x".repeat(32)}` })).status).toBe(404);
    const confirmed = await call(routes.confirm!.GET!, { path: `/api/notifications/confirm?token=${outbox[0]!.args.confirmToken}` });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Address confirmed");
    const accepted = await call(routes.test!.POST!, { method: "POST", path: `/api/notifications/subscriptions/${subscription.id}/test`, cookie, params });
    expect(accepted.status).toBe(202);
    expect(await sql(`select source from notify_outbox where source = 'test'`)).toEqual([{ source: "test" }]);

    const patched = await call(routes.subscription!.PATCH!, {
      method: "PATCH",
      path: `/api/notifications/subscriptions/${subscription.id}`,
      body: { kinds: ["closed"] },
      cookie,
      params,
    });
    expect(await patched.json()).toMatchObject({ subscription: { kinds: ["closed"], lowBalanceSeconds: 7200, confirmed: true } });
  });

  it("unsubscribes by the link in every message (GET, and one-click POST without an Origin)", async () => {
    const [{ unsubscribe_token: token }] = await sql<{ unsubscribe_token: string }>(
      `select unsubscribe_token from notify_subscription where target = 'bob@example.com'`,
    );
    expect((await call(routes.unsubscribe!.GET!, { path: "/api/notifications/unsubscribe?token=bad" })).status).toBe(400);
    const response = await routes.unsubscribe!.POST!(
      new Request(`${ORIGIN}/api/notifications/unsubscribe?token=${token}`, { method: "POST", headers: { host: HOST } }),
      { params: Promise.resolve({}) },
    );
    expect(response.status).toBe(200);
    expect(await sql(`select 1 from notify_subscription where target = 'bob@example.com' and unsubscribed_at is not null`)).toHaveLength(1);
  });

  it("lists the signed-in wallet's messages only, with their state, in the notification centre", async () => {
    const [{ id: bobSub }] = await sql<{ id: string }>(`select id::text from notify_subscription where target = 'bob@example.com'`);
    const [{ id: aliceSub }] = await sql<{ id: string }>(`select id::text from notify_subscription where target = 'http://127.0.0.1:8080/hook'`);
    const wallet = (a: HDAccount) => a.address.toLowerCase();
    await sql(
      `insert into notify_message (subscription_id, chain_id, wallet, event_key, kind, lease_id, payload, status, attempts, last_error, event_at)
      values ($1, 31337, $2, 'k1', 'accepted', 1, '{}', 'sent', 1, null, now()), ($1, 31337, $2, 'k2', 'closed', 1, '{}', 'dead', 7, 'POST answered 500', now()),
             ($3, 31337, $4, 'k3', 'accepted', 2, '{}', 'pending', 0, null, now())`,
      [bobSub, wallet(bob), aliceSub, wallet(alice)],
    );
    const cookie = await signIn(bob);
    const response = await call(routes.messages!.GET!, { path: "/api/notifications/messages", cookie });
    const body = (await response.json()) as {
      messages: { kind: string; status: string; lastError: string | null; target: string }[];
      counts: Record<string, number>;
    };
    expect(body.messages.map((m) => [m.kind, m.status, m.lastError, m.target])).toEqual([
      ["closed", "dead", "POST answered 500", "bob@example.com"],
      ["accepted", "sent", null, "bob@example.com"],
    ]);
    expect(body.counts).toEqual({ sent: 1, dead: 1 });
    const dead = await call(routes.messages!.GET!, { path: "/api/notifications/messages?status=dead", cookie });
    expect(((await dead.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    const bad = await call(routes.messages!.GET!, { path: "/api/notifications/messages?status=lost", cookie });
    expect([bad.status, (await errorOf(bad)).field]).toEqual([400, "status"]);
  });
});
