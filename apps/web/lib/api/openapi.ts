/**
 * The OpenAPI 3.1 description of /api, generated from the zod schemas the routes themselves parse
 * (z.toJSONSchema, JSON Schema 2020-12 — the dialect OpenAPI 3.1 uses). Nothing here restates a field
 * by hand: a parameter added to a route's schema appears in the spec, and test/openapi.test.ts fails
 * when a route file and this table disagree. Served at GET /api/openapi.json, rendered at /api-docs.
 */
import { agentEndpointBodySchema } from "@gridlease/db/agent-endpoints";
import { declineEvidenceBodySchema } from "@gridlease/db/decline-evidence";
import { heartbeatBodySchema } from "@gridlease/db/heartbeats";
import { leaseListQuerySchema } from "@gridlease/db/queries";
import { strictOfferSearchQuerySchema } from "@gridlease/db/search";
import { launchSpecSchema } from "@gridlease/sdk/launch-spec";
import { z } from "zod";
import { siweLoginSchema } from "../server/siwe";
import { workloadRelayBodySchema } from "../server/workload-relay";
import { createSubscriptionSchema, idParamSchema, messagesQuerySchema, tokenQuerySchema, updateSubscriptionSchema } from "../server/notifications";
import { billingRoutes, billingCsvQuerySchema } from "./billing-routes";
import { billingQuerySchema } from "@gridlease/db/billing";
import { chainQuerySchema, gpuChecksQuerySchema, offerParamsSchema, providerParamsSchema, publicReadRoutes } from "./public-read-routes";

type Schema = z.ZodType;
export type HttpMethod = "get" | "post" | "patch" | "delete";

export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI path template (`{id}`). */
  path: string;
  operationId: string;
  summary: string;
  tag: "market" | "leases" | "providers" | "auth" | "admin" | "notifications";
  query?: Schema;
  params?: Schema;
  body?: Schema;
  /** Success status → description (errors are added from `errors`). */
  ok: Record<number, string>;
  errors: number[];
}

/** `/api/offers/:id` (the read routes' syntax) as an OpenAPI template. */
export const toTemplate = (path: string) => path.replace(/:(\w+)/g, "{$1}");

const read = publicReadRoutes;

/** Every operation under /api. The read routes take their paths from publicReadRoutes, the same table both serving paths use. */
export const apiOperations: ApiOperation[] = [
  {
    method: "get",
    path: toTemplate(read.offers.path),
    operationId: "searchOffers",
    tag: "market",
    summary: "Search active offers (filters, sort, cursor pagination, facets).",
    query: strictOfferSearchQuerySchema,
    ok: { 200: "A page of offers with facets and the next cursor." },
    errors: [400, 429],
  },
  {
    method: "get",
    path: toTemplate(read.offerById.path),
    operationId: "getOffer",
    tag: "market",
    summary: "One offer with its provider and price history.",
    params: offerParamsSchema,
    query: chainQuerySchema,
    ok: { 200: "The offer." },
    errors: [400, 404, 429],
  },
  {
    method: "get",
    path: toTemplate(read.provider.path),
    operationId: "getProvider",
    tag: "providers",
    summary: "A provider: stake, reputation, uptime, reliability and offers.",
    params: providerParamsSchema,
    query: chainQuerySchema,
    ok: { 200: "The provider." },
    errors: [400, 404, 429],
  },
  {
    method: "get",
    path: toTemplate(read.providerGpuChecks.path),
    operationId: "getProviderGpuChecks",
    tag: "providers",
    summary:
      "Proof of GPU evidence: the provider's latest checks (outcome, elapsed vs deadline, seed, checker signature and whether it verifies) and whether it is flagged.",
    params: providerParamsSchema,
    query: gpuChecksQuerySchema,
    ok: { 200: "The checks, newest first, and the flag." },
    errors: [400, 429],
  },
  {
    method: "get",
    path: toTemplate(read.leases.path),
    operationId: "listLeases",
    tag: "leases",
    summary: "Leases of a renter or provider, newest first.",
    query: leaseListQuerySchema,
    ok: { 200: "A page of leases and the next cursor." },
    errors: [400, 429],
  },
  {
    method: "get",
    path: billingRoutes.history.path,
    operationId: "getBillingHistory",
    tag: "leases",
    summary:
      "An account's billing history as renter or provider (deposits, extensions and top-ups, refunds, compensation; earnings, fees, slashes), newest first, with totals.",
    query: billingQuerySchema,
    ok: { 200: "A page of entries (signed token units, block time where known) and totals over all." },
    errors: [400, 429],
  },
  {
    method: "get",
    path: billingRoutes.csv.path,
    operationId: "getBillingCsv",
    tag: "leases",
    summary: "The same billing history as a CSV download (amounts in USDC).",
    query: billingCsvQuerySchema,
    ok: { 200: "text/csv: time_utc, block, lease, kind, amount_usdc, gross_usdc, fee_usdc, tx, note." },
    errors: [400, 429],
  },
  {
    method: "get",
    path: toTemplate(read.stats.path),
    operationId: "getStats",
    tag: "market",
    summary: "Market totals, supply and median price per GPU model, indexer position.",
    query: chainQuerySchema,
    ok: { 200: "Market statistics." },
    errors: [400, 429],
  },
  {
    method: "post",
    path: "/api/heartbeats",
    operationId: "postHeartbeat",
    tag: "providers",
    summary: "A provider agent's signed liveness heartbeat (EIP-712).",
    body: heartbeatBodySchema,
    ok: { 202: "Recorded.", 200: "Valid, but this 5-minute slot already had one." },
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: "post",
    path: "/api/providers/{address}/endpoint",
    operationId: "postAgentEndpoint",
    tag: "providers",
    summary: "Where a provider's agent answers Proof of GPU challenges: its URL, signed by the provider (EIP-712 AgentEndpoint).",
    params: providerParamsSchema,
    body: agentEndpointBodySchema,
    ok: { 201: "Stored.", 200: "Valid, but an equally new or newer registration is stored." },
    errors: [400, 401, 403, 404, 413, 429],
  },
  {
    method: "post",
    path: "/api/leases/{id}/decline-evidence",
    operationId: "postDeclineEvidence",
    tag: "leases",
    summary: "A provider shows a declined request was the renter's fault.",
    params: z.object({ id: z.string().regex(/^(0|[1-9]\d{0,18})$/) }),
    body: declineEvidenceBodySchema,
    ok: { 201: "Evidence recorded with the problem found." },
    errors: [400, 403, 404, 409, 413, 429],
  },
  {
    method: "post",
    path: "/api/launch-specs/check",
    operationId: "checkLaunchSpec",
    tag: "leases",
    summary: "Check a launch spec (template, image, env, ports, command, disk) before booking; returns its hash.",
    body: launchSpecSchema,
    ok: { 200: "Valid: the normalised spec and its keccak256 hash." },
    errors: [400, 403, 413, 429],
  },
  {
    method: "post",
    path: "/api/workloads/relay",
    operationId: "relayWorkloadStatus",
    tag: "leases",
    summary: "Read a workload's status, log tail and endpoints from the provider's agent with the lease's (or provider's) token.",
    body: workloadRelayBodySchema,
    ok: { 200: "The agent's workload status." },
    errors: [400, 401, 403, 404, 413, 429, 502],
  },
  {
    method: "post",
    path: "/api/auth/nonce",
    operationId: "createNonce",
    tag: "auth",
    summary: "A single-use sign-in nonce bound to a pre-login cookie.",
    ok: { 200: "The nonce and its expiry." },
    errors: [403, 429],
  },
  {
    method: "post",
    path: "/api/auth/verify",
    operationId: "verifySignIn",
    tag: "auth",
    summary: "Sign in with Ethereum (EIP-4361): verify the signed message, set the session cookie.",
    body: siweLoginSchema,
    ok: { 200: "Signed in." },
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: "get",
    path: "/api/auth/session",
    operationId: "getSession",
    tag: "auth",
    summary: "The current admin session, or null.",
    ok: { 200: "The session or null." },
    errors: [429],
  },
  {
    method: "delete",
    path: "/api/auth/session",
    operationId: "signOut",
    tag: "auth",
    summary: "Sign out (revokes the session server-side).",
    ok: { 200: "Signed out." },
    errors: [403, 429],
  },
  {
    method: "post",
    path: "/api/auth/account",
    operationId: "signInAccount",
    tag: "auth",
    summary: "Sign in with Ethereum as any wallet (renter or provider) to manage notifications.",
    body: siweLoginSchema,
    ok: { 200: "Signed in." },
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: "get",
    path: "/api/auth/account",
    operationId: "getAccountSession",
    tag: "auth",
    summary: "The signed-in wallet for notifications, or null.",
    ok: { 200: "The session or null." },
    errors: [429],
  },
  {
    method: "delete",
    path: "/api/auth/account",
    operationId: "signOutAccount",
    tag: "auth",
    summary: "Sign the wallet out of notifications.",
    ok: { 200: "Signed out." },
    errors: [403, 429],
  },
  {
    method: "get",
    path: "/api/notifications/subscriptions",
    operationId: "listSubscriptions",
    tag: "notifications",
    summary: "The signed-in wallet's email and webhook subscriptions.",
    ok: { 200: "Subscriptions (secrets never included)." },
    errors: [401, 429],
  },
  {
    method: "post",
    path: "/api/notifications/subscriptions",
    operationId: "createSubscription",
    tag: "notifications",
    summary: "Subscribe an email address (confirmed by link) or a webhook URL (secret returned once) to event kinds.",
    body: createSubscriptionSchema,
    ok: { 201: "Created; `secret` for a new webhook, `confirmationSent` for an email." },
    errors: [400, 401, 403, 409, 413, 429],
  },
  {
    method: "patch",
    path: "/api/notifications/subscriptions/{id}",
    operationId: "updateSubscription",
    tag: "notifications",
    summary: "Change a subscription's kinds or low-balance threshold.",
    params: idParamSchema,
    body: updateSubscriptionSchema,
    ok: { 200: "The subscription." },
    errors: [400, 401, 403, 404, 413, 429],
  },
  {
    method: "delete",
    path: "/api/notifications/subscriptions/{id}",
    operationId: "deleteSubscription",
    tag: "notifications",
    summary: "Delete a subscription and its messages.",
    params: idParamSchema,
    ok: { 200: "Deleted." },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: "post",
    path: "/api/notifications/subscriptions/{id}/test",
    operationId: "testSubscription",
    tag: "notifications",
    summary: "Queue a test message (an unconfirmed email address is refused).",
    params: idParamSchema,
    ok: { 202: "Queued." },
    errors: [400, 401, 403, 404, 409, 429],
  },
  {
    method: "get",
    path: "/api/notifications/messages",
    operationId: "listNotifications",
    tag: "notifications",
    summary: "The notification centre: the wallet's messages (pending, retrying, sent, dead), newest first.",
    query: messagesQuerySchema,
    ok: { 200: "Messages and counts per status." },
    errors: [400, 401, 429],
  },
  {
    method: "get",
    path: "/api/notifications/confirm",
    operationId: "confirmEmail",
    tag: "notifications",
    summary: "The confirmation link of an email subscription (answers an HTML page).",
    query: tokenQuerySchema,
    ok: { 200: "Confirmed (HTML)." },
    errors: [400, 404, 429],
  },
  {
    method: "get",
    path: "/api/notifications/unsubscribe",
    operationId: "unsubscribeLink",
    tag: "notifications",
    summary: "The unsubscribe link in every message (answers an HTML page).",
    query: tokenQuerySchema,
    ok: { 200: "Unsubscribed (HTML)." },
    errors: [400, 404, 429],
  },
  {
    method: "post",
    path: "/api/notifications/unsubscribe",
    operationId: "unsubscribeOneClick",
    tag: "notifications",
    summary: "RFC 8058 one-click unsubscribe.",
    query: tokenQuerySchema,
    ok: { 200: "Unsubscribed (HTML)." },
    errors: [400, 404, 429],
  },
  {
    method: "get",
    path: "/api/admin/disputes",
    operationId: "listDisputes",
    tag: "admin",
    summary: "The arbiter's dispute queue (arbiter session required).",
    ok: { 200: "Open disputes." },
    errors: [401, 403, 429],
  },
  {
    method: "get",
    path: "/api/openapi.json",
    operationId: "getOpenApi",
    tag: "market",
    summary: "This document.",
    ok: { 200: "The OpenAPI 3.1 description of /api." },
    errors: [],
  },
];

const JSON_SCHEMA_OPTIONS = { io: "input", unrepresentable: "any", target: "draft-2020-12" } as const;

/** The JSON Schema a request must satisfy (what a client sends, before the route's transforms). */
export function inputSchema(schema: Schema): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS) as Record<string, unknown>;
  return rest;
}

interface ObjectSchema {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
}

/** One OpenAPI parameter per property of an object schema (query strings and path segments). */
function parameters(schema: Schema, where: "query" | "path") {
  const { properties = {}, required = [] } = inputSchema(schema) as ObjectSchema;
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.includes(name), schema: rest, ...(description ? { description } : {}) };
  });
}

const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().describe("One sentence, naming the field when one is at fault."),
    field: z.string().optional().describe("The parameter, path segment or body field at fault."),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid input; `error.field` names it.",
  401: "Not signed in or signature invalid.",
  403: "Forbidden (foreign Origin or missing role).",
  404: "Not found.",
  409: "Conflicts with the current state.",
  413: "Body too large.",
  429: "Rate limited; see Retry-After.",
};

/** The OpenAPI 3.1 document for /api. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of apiOperations) {
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(op.ok)) {
      responses[status] = { description, content: { "application/json": { schema: { type: "object" } } } };
    }
    for (const status of op.errors) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? "Error.",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
    const params = [...(op.params ? parameters(op.params, "path") : []), ...(op.query ? parameters(op.query, "query") : [])];
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: inputSchema(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Gridlease API",
      version: "1",
      description: "The Gridlease web app's JSON API. Generated from the routes' zod schemas (apps/web/lib/api/openapi.ts).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    tags: [{ name: "market" }, { name: "providers" }, { name: "leases" }, { name: "auth" }, { name: "admin" }, { name: "notifications" }],
    paths,
    components: { schemas: { Error: inputSchema(errorBodySchema) } },
  };
}
