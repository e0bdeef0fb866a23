// Agents that cheat, for the checker's tests: each speaks the agent's challenge protocol
// (docs/proof-of-gpu.md) with the sdk's reference arithmetic, and breaks it in one chosen way.
import { createServer, type Server } from "node:http";
import type { Hex } from "viem";
import {
  answerChallenge,
  answerFromFingerprints,
  challengeSchema,
  fingerprint,
  generateA,
  generateB,
  multiply,
  productToBytes,
  type Challenge,
  type ChallengeAnswer,
} from "@gridlease/sdk/proof-of-gpu";

export type Behaviour =
  /** Computes everything, but C_j has one entry off by one; its fingerprint and the commitment are computed over the wrong C_j, so only the audit can tell. */
  | { plant: number }
  /** Answers correctly, `ms` after the deadline. */
  | { lateBy: number }
  /** Never answers. */
  | { hang: true }
  /** Answers every challenge with its answer to the first one (same fingerprints and commitment; checkId rewritten). */
  | { replay: true };

interface Kept {
  seed: Hex;
  n: number;
  planted?: { j: number; bytes: Uint8Array };
}

export interface RogueAgent {
  url: string;
  /** Challenges received, in order. */
  challenges: Challenge[];
  close(): Promise<void>;
}

export async function startRogueAgent(behaviour: Behaviour): Promise<RogueAgent> {
  const kept = new Map<string, Kept>();
  const challenges: Challenge[] = [];
  let first: { answer: ChallengeAnswer; kept: Kept } | undefined;

  const answer = async (c: Challenge): Promise<ChallengeAnswer | undefined> => {
    const seed = c.seed as Hex;
    const n = c.matrixSize;
    if ("hang" in behaviour) return undefined;
    if ("replay" in behaviour) {
      if (first) {
        kept.set(c.checkId.toLowerCase(), first.kept); // audits get the old seed's products, consistent with the old fingerprints
        return { ...first.answer, checkId: c.checkId };
      }
      const honest = answerChallenge(c);
      first = { answer: honest, kept: { seed, n } };
      kept.set(c.checkId.toLowerCase(), { seed, n });
      return honest;
    }
    if ("plant" in behaviour) {
      const fingerprints: number[] = [];
      let planted: Kept["planted"];
      for (let j = 0; j < c.products; j++) {
        const product = multiply(generateA(seed, j, n), generateB(seed, j, n), n);
        if (j === behaviour.plant) {
          product[n + 3]! += 1; // one element of row 1 — |c| ≤ n, so still a valid int16
          planted = { j, bytes: productToBytes(product) };
        }
        fingerprints.push(fingerprint(product, n, seed, j));
      }
      kept.set(c.checkId.toLowerCase(), { seed, n, planted });
      return answerFromFingerprints(c, fingerprints, 0);
    }
    const started = Date.now();
    const honest = answerChallenge(c);
    kept.set(c.checkId.toLowerCase(), { seed, n });
    await new Promise((r) => setTimeout(r, Math.max(0, started + c.deadlineMs + behaviour.lateBy - Date.now())));
    return honest;
  };

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      const product = /\/pog\/v1\/challenges\/(0x[0-9a-fA-F]{64})\/products\/(\d+)$/.exec(req.url ?? "");
      if (product) {
        const k = kept.get(product[1]!.toLowerCase());
        if (!k) return void res.writeHead(404).end("{}");
        const j = Number(product[2]);
        const bytes = k.planted?.j === j ? k.planted.bytes : productToBytes(multiply(generateA(k.seed, j, k.n), generateB(k.seed, j, k.n), k.n));
        return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
      }
      const c = challengeSchema.parse(JSON.parse(body));
      challenges.push(c);
      const reply = await answer(c);
      if (reply) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    challenges,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
