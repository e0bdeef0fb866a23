import { z } from "zod";
import type pg from "pg";
import { getAddress, verifyTypedData, type Hex } from "viem";
import { HEARTBEAT_MAX_AGE_SECONDS, HEARTBEAT_MAX_FUTURE_SECONDS, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import { LOCAL_CHAIN_ID } from "@gridlease/sdk/local-accounts";
import { AGENT_ENDPOINT_TYPES } from "@gridlease/sdk/proof-of-gpu";
import { getPool } from "./client";
import { chainIdField, signatureField, SignedRequestRejected } from "./signed-request";

/**
 * Where a provider's agent answers Proof of GPU challenges (issue 21): registered by the agent with an
 * EIP-712 `AgentEndpoint` signature of the provider key in the heartbeats' domain, so a checker only
 * ever challenges a URL the provider itself published. Latest signed registration wins.
 */

export const AGENT_ENDPOINT_MAX_URL_LENGTH = 300;

export const agentEndpointBodySchema = z
  .object({
    url: z
      .string({ error: "must be the http(s) URL the agent answers challenges at" })
      .max(AGENT_ENDPOINT_MAX_URL_LENGTH, `must be at most ${AGENT_ENDPOINT_MAX_URL_LENGTH} characters`)
      .superRefine((value, ctx) => {
        // One sentence for the first thing wrong (later checks need a parsed URL).
        const problem = !URL.canParse(value)
          ? "must be an absolute http(s) URL"
          : !/^https?:$/.test(new URL(value).protocol)
            ? "must use http or https"
            : // Credentials in a URL would be shown to everyone who reads the endpoint (checkers, the API).
              new URL(value).username || new URL(value).password
              ? "must not carry credentials (user:password@)"
              : new URL(value).search || new URL(value).hash
                ? "must not have a query or fragment (challenge paths are appended to it)"
                : null;
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    timestamp: z
      .number({ error: "must be unix seconds (a number)" })
      .int("must be whole seconds")
      .positive("must be positive")
      .max(2 ** 40, "is not a plausible unix time"),
    signature: signatureField,
    /** The deployment's chain; the server's own when omitted (the agent signs for one deployment). */
    chainId: chainIdField.optional(),
  })
  .strict();

export type AgentEndpointBody = z.infer<typeof agentEndpointBodySchema>;

export class AgentEndpointRejected extends SignedRequestRejected {
  override name = "AgentEndpointRejected";
}

/**
 * Hosts a checker must not be sent to off the local chain: loopback, private, link-local and
 * unspecified IP literals and localhost. The checker runs inside the operator's network, so a
 * provider-chosen URL there would make it probe internal services. (Names that resolve to such
 * addresses are the checker's to refuse at connect time: a registration cannot pin DNS.)
 */
function internalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  return host === "::" || host === "::1" || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || host.startsWith("::ffff:");
}

export interface AgentEndpointResult {
  /** false: a registration with the same or a later signed time is already stored; nothing was written. */
  recorded: boolean;
  provider: string;
  url: string;
  signedAt: number;
}

/**
 * Verifies a registration (fresh timestamp, the provider's EIP-712 signature for this chain's
 * deployment, a provider the index knows, a URL a checker may be sent to) and stores it unless an
 * equally new or newer one is stored: a replayed older registration cannot move the endpoint back.
 * Throws AgentEndpointRejected (status and field for the API's answer).
 */
export async function recordAgentEndpoint(
  providerParam: string,
  body: AgentEndpointBody,
  defaultChainId: number,
  now = Date.now(),
  db: pg.Pool = getPool(),
): Promise<AgentEndpointResult> {
  if (!/^0x[0-9a-fA-F]{40}$/.test(providerParam))
    throw new AgentEndpointRejected(400, "bad_request", "address: must be a 0x-prefixed 20-byte address", "address");
  const chainId = body.chainId ?? defaultChainId;
  const ahead = body.timestamp - now / 1000;
  if (ahead > HEARTBEAT_MAX_FUTURE_SECONDS)
    throw new AgentEndpointRejected(
      400,
      "future_timestamp",
      `timestamp: is ${Math.round(ahead)} s ahead of the server clock (at most ${HEARTBEAT_MAX_FUTURE_SECONDS} s allowed)`,
      "timestamp",
    );
  if (-ahead > HEARTBEAT_MAX_AGE_SECONDS)
    throw new AgentEndpointRejected(
      400,
      "stale_timestamp",
      `timestamp: is ${Math.round(-ahead)} s old (at most ${HEARTBEAT_MAX_AGE_SECONDS} s allowed)`,
      "timestamp",
    );
  if (chainId !== LOCAL_CHAIN_ID && internalHost(new URL(body.url).hostname))
    throw new AgentEndpointRejected(
      400,
      "internal_url",
      `url: ${new URL(body.url).hostname} is a loopback or private address; checkers are only sent to public hosts off the local chain`,
      "url",
    );
  const cursor = await db.query<{ registry: string }>("select registry_address as registry from indexer_cursor where chain_id = $1", [chainId]);
  if (cursor.rowCount === 0)
    throw new AgentEndpointRejected(404, "unknown_chain", `chainId: no Gridlease deployment is indexed on chain ${chainId}`, "chainId");
  const registry = getAddress(cursor.rows[0]!.registry);
  const provider = getAddress(providerParam);
  const valid = await verifyTypedData({
    address: provider,
    domain: heartbeatDomain({ chainId, registry }),
    types: AGENT_ENDPOINT_TYPES,
    primaryType: "AgentEndpoint",
    message: { provider, url: body.url, timestamp: BigInt(body.timestamp) },
    signature: body.signature as Hex,
  }).catch(() => false);
  if (!valid)
    throw new AgentEndpointRejected(
      401,
      "bad_signature",
      `signature: is not provider ${provider}'s EIP-712 AgentEndpoint signature of this url and timestamp for registry ${registry} on chain ${chainId}`,
      "signature",
    );
  const address = provider.toLowerCase();
  const known = await db.query("select 1 from provider where chain_id = $1 and address = $2", [chainId, address]);
  if (known.rowCount === 0)
    throw new AgentEndpointRejected(404, "unknown_provider", `address: ${address} is not a registered provider on chain ${chainId}`, "address");
  const stored = await db.query(
    `insert into agent_endpoint (chain_id, provider, url, signed_at, signature, updated_at) values ($1, $2, $3, $4, $5, now())
     on conflict (chain_id, provider) do update set url = excluded.url, signed_at = excluded.signed_at, signature = excluded.signature, updated_at = now()
       where agent_endpoint.signed_at < excluded.signed_at`,
    [chainId, address, body.url, body.timestamp, body.signature.toLowerCase()],
  );
  return { recorded: stored.rowCount === 1, provider: address, url: body.url, signedAt: body.timestamp };
}

/** A provider's registered endpoint (null when none). */
export async function agentEndpoint(
  chainId: number,
  provider: string,
  db: pg.Pool = getPool(),
): Promise<{ url: string; signedAt: number; signature: string } | null> {
  const { rows } = await db.query<{ url: string; signedAt: string; signature: string }>(
    `select url, signed_at::text as "signedAt", signature from agent_endpoint where chain_id = $1 and provider = $2`,
    [chainId, provider.toLowerCase()],
  );
  const row = rows[0];
  return row ? { url: row.url, signedAt: Number(row.signedAt), signature: row.signature } : null;
}
