import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address, Hex, PublicClient } from "viem";
import { challengeParams, challengeSchema, deriveSeed, type ChallengeAnswer } from "@gridlease/sdk/proof-of-gpu";
import { describeError } from "../chain";
import type { Logger } from "../log";
import { OfferStatus, type ProviderOffer } from "../provider";
import { CPU_MAX_MULTIPLY_ADDS, type PogEngine } from "./engine";

/** One provider this server answers for, under its own URL prefix ("" for `serve`, /providers/<address> in a fleet). */
export interface PogMember {
  address: Address;
  chainId: number;
  /** The provider's offers as the chain has them (a short-lived cache is fine: offers change rarely). */
  offers(): Promise<ProviderOffer[]>;
}

/** A challenge's seed and size, kept so an audit can fetch its products after the answer. */
interface Answered {
  seed: Hex;
  n: number;
  products: number;
}

interface MemberState {
  member: PogMember;
  busy: boolean;
  /** When each offer last answered a challenge (ms), for the per-offer minimum interval. */
  answeredAt: Map<string, number>;
  recent: Map<string, Answered>;
}

/** Audits come seconds after the answer; a few challenges per provider is plenty. */
const RECENT_CHALLENGES = 8;
const MAX_BODY_BYTES = 64 * 1024;

export type Reply = { status: number; body: unknown } | { status: 200; bytes: Uint8Array };

const refuse = (status: number, field: string | undefined, error: string): Reply => ({ status, body: field ? { error, field } : { error } });

/**
 * The agent side of proof of GPU (docs/proof-of-gpu.md): POST <prefix>/pog/v1/challenges answers a
 * challenge for one of the provider's offers, synchronously (the checker times the round trip);
 * GET <prefix>/pog/v1/challenges/<checkId>/products/<j> serves C_j of a recent challenge for the audit.
 * Anyone may challenge, so the server refuses, naming the field, whatever it would not honestly serve:
 * an offer it does not serve, a model or GPU count that is not the offer's, a size other than the one
 * the profile derives for the offer, and a second challenge while one runs for that provider (429).
 */
export class PogServer {
  private server?: Server;
  private readonly members = new Map<string, MemberState>();

  constructor(
    private readonly engine: PogEngine,
    private readonly profile: "gpu" | "local",
    private readonly log: Logger,
    /**
     * Anyone may send challenges and each one occupies the GPUs for seconds (perhaps beside a renter's
     * work), so an offer answers at most one per this interval; checkers come every few hours.
     */
    private readonly minIntervalMs = 30_000,
    /** Checks the challenge's seed against the chain (`seedChecker`); a refusal naming the field, or undefined. */
    private readonly checkSeed?: (c: { seedBlock: number; checkId: string; seed: string }) => Promise<{ field: string; error: string } | undefined>,
  ) {}

  /** Serves `member` under `prefix` (no trailing slash; "" for the root). */
  add(prefix: string, member: PogMember): void {
    this.members.set(prefix, { member, busy: false, answeredAt: new Map(), recent: new Map() });
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      this.receive(req).then(
        (reply) => {
          if ("bytes" in reply) {
            res.writeHead(200, { "content-type": "application/octet-stream", "content-length": reply.bytes.byteLength, "cache-control": "no-store" });
            return void res.end(reply.bytes);
          }
          res.writeHead(reply.status, { "content-type": "application/json", "cache-control": "no-store" });
          res.end(JSON.stringify(reply.body));
        },
        (error) => {
          this.log.error(`proof of GPU: ${describeError(error)}`);
          res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "the agent failed to answer; see its log" }));
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async receive(req: IncomingMessage): Promise<Reply> {
    let body = "";
    if (req.method === "POST") {
      for await (const chunk of req) {
        body += chunk;
        if (body.length > MAX_BODY_BYTES) return refuse(413, undefined, `a challenge is at most ${MAX_BODY_BYTES} bytes`);
      }
    }
    return this.handle(req.method ?? "GET", req.url ?? "/", body);
  }

  /** Routes one request (exposed for tests that need no socket). */
  async handle(method: string, rawUrl: string, body: string): Promise<Reply> {
    const { pathname } = new URL(rawUrl, "http://agent");
    const match = /^(.*)\/pog\/v1\/challenges(?:\/(0x[0-9a-fA-F]{64})\/products\/([^/]*))?$/.exec(pathname);
    const state = match ? this.members.get(match[1]!) : undefined;
    if (!match || !state) return refuse(404, undefined, "not found: POST <url>/pog/v1/challenges or GET <url>/pog/v1/challenges/<checkId>/products/<j>");
    if (match[2] !== undefined) {
      if (method !== "GET") return refuse(405, undefined, "products are fetched with GET");
      return this.product(state, match[2].toLowerCase(), match[3]!);
    }
    if (method !== "POST") return refuse(405, undefined, "challenges are sent with POST");
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return refuse(400, "body", "the body is not JSON");
    }
    return this.challenge(state, json);
  }

  private async product(state: MemberState, checkId: string, rawJ: string): Promise<Reply> {
    const answered = state.recent.get(checkId);
    if (!answered) return refuse(404, "checkId", `no recent challenge ${checkId} on this agent`);
    const j = /^\d{1,9}$/.test(rawJ) ? Number(rawJ) : Number.NaN;
    if (!Number.isInteger(j) || j >= answered.products) return refuse(400, "j", `j: a product index from 0 to ${answered.products - 1}`);
    return { status: 200, bytes: await this.engine.product(answered.seed, j, answered.n) };
  }

  private async challenge(state: MemberState, json: unknown): Promise<Reply> {
    const parsed = challengeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? "body");
      return refuse(400, field, issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`);
    }
    const c = parsed.data;
    const { member } = state;
    if (c.chainId !== member.chainId) return refuse(400, "chainId", `this agent serves chain ${member.chainId}, not ${c.chainId}`);
    if (c.provider.toLowerCase() !== member.address.toLowerCase())
      return refuse(400, "provider", `this URL answers for provider ${member.address}, not ${c.provider}`);
    const offer = (await member.offers()).find((o) => o.offerId === BigInt(c.offerId));
    if (!offer || offer.status !== OfferStatus.Active) return refuse(404, "offerId", `provider ${member.address} serves no active offer ${c.offerId}`);
    if (offer.spec.gpuModel !== c.gpuModel) return refuse(422, "gpuModel", `offer ${c.offerId} lists ${offer.spec.gpuModel}, not ${c.gpuModel}`);
    if (offer.spec.gpuCount !== c.gpuCount) return refuse(422, "gpuCount", `offer ${c.offerId} lists ${offer.spec.gpuCount} GPU(s), not ${c.gpuCount}`);
    const params = challengeParams(offer.spec.gpuModel, offer.spec.gpuCount, this.profile);
    if (c.matrixSize !== params.matrixSize)
      return refuse(422, "matrixSize", `this agent answers ${this.profile}-profile challenges: matrixSize ${params.matrixSize} for ${c.gpuModel}`);
    if (c.products !== params.products)
      return refuse(422, "products", `this agent answers ${this.profile}-profile challenges: ${params.products} products for ${c.gpuCount}× ${c.gpuModel}`);
    if (this.engine.kind === "cpu" && c.products * c.matrixSize ** 3 > CPU_MAX_MULTIPLY_ADDS)
      return refuse(
        503,
        "matrixSize",
        "this agent has no GPU path (torch with CUDA was not found at start) and does not compute challenges this large on its CPU",
      );
    const seedProblem = await this.checkSeed?.(c);
    if (seedProblem) return refuse(400, seedProblem.field, seedProblem.error);
    // No await from here to `busy = true`: a second request must see the first one's flag.
    if (state.busy) return refuse(429, undefined, `a challenge for provider ${member.address} is running; one at a time`);
    const sinceMs = Date.now() - (state.answeredAt.get(c.offerId) ?? Number.NEGATIVE_INFINITY);
    if (sinceMs < this.minIntervalMs)
      return refuse(
        429,
        "offerId",
        `offer ${c.offerId} answered a challenge ${Math.round(sinceMs / 1000)} s ago; at most one per ${this.minIntervalMs / 1000} s`,
      );
    state.busy = true;
    try {
      const challenge = { ...c, checkId: c.checkId.toLowerCase() };
      let answer: ChallengeAnswer;
      try {
        answer = await this.engine.answer(challenge);
      } catch (error) {
        // E.g. the CPU reference gave up at the deadline: say so rather than a bare 500.
        this.log.warn(`proof of GPU: challenge ${c.checkId.slice(0, 10)}… for offer ${c.offerId} not answered: ${describeError(error)}`);
        return refuse(503, undefined, `the agent could not answer: ${describeError(error)}`);
      }
      state.answeredAt.set(c.offerId, Date.now());
      state.recent.set(challenge.checkId, { seed: c.seed as Hex, n: c.matrixSize, products: c.products });
      while (state.recent.size > RECENT_CHALLENGES) state.recent.delete(state.recent.keys().next().value!);
      this.log.info(
        `proof of GPU: answered challenge ${c.checkId.slice(0, 10)}… for offer ${c.offerId} (${c.products} × ${c.matrixSize}² products, ${answer.computeMs} ms of compute, ${this.engine.kind}).`,
      );
      return { status: 200, body: answer };
    } finally {
      state.busy = false;
    }
  }
}

/** A challenge seeded from a block older than this is refused (stale, or prepared in advance). */
export const MAX_SEED_AGE_SECONDS = 600;

/**
 * The agent's check of a challenge's seed (docs/proof-of-gpu.md, "DoS of agents"): seedBlock exists, is
 * recent, and seed = keccak256(blockHash(seedBlock) ‖ checkId). A forged or stale challenge would cost
 * the GPUs seconds and prove nothing to anyone, so it is refused before any work.
 */
export function seedChecker(publicClient: Pick<PublicClient, "getBlock">, now = () => Date.now()) {
  return async (c: { seedBlock: number; checkId: string; seed: string }): Promise<{ field: string; error: string } | undefined> => {
    const block = await publicClient.getBlock({ blockNumber: BigInt(c.seedBlock) }).catch(() => undefined);
    if (!block?.hash) return { field: "seedBlock", error: `seedBlock: block ${c.seedBlock} is not on this agent's chain (yet)` };
    const age = Math.round(now() / 1000 - Number(block.timestamp));
    if (age > MAX_SEED_AGE_SECONDS)
      return {
        field: "seedBlock",
        error: `seedBlock: block ${c.seedBlock} is ${age} s old; seed challenges from a block of the last ${MAX_SEED_AGE_SECONDS} s`,
      };
    if (deriveSeed(block.hash, c.checkId as Hex).toLowerCase() !== c.seed.toLowerCase())
      return { field: "seed", error: `seed: is not keccak256(hash of block ${c.seedBlock} ‖ checkId)` };
    return undefined;
  };
}
