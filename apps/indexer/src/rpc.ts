import type { Hex } from "viem";
import type { RpcLog } from "./events";

export interface RpcOptions {
  url: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retry delays grow exponentially up to this cap; retries go on until `signal` aborts. */
  maxBackoffMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BlockHeader {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/** The node refused a getLogs range as too large; split it rather than retry it. */
export class RangeTooLargeError extends Error {}

class RpcAnswerError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

const TOO_MANY = /too many|limit exceeded|more than \d+ (results|logs)|response size|query returned more|range too (large|wide)|block range/i;

/**
 * Minimal JSON-RPC client for the few calls the indexer makes. Every call retries transport errors,
 * timeouts, malformed or empty answers with bounded exponential backoff; only an abort ends it.
 */
export class Rpc {
  private nextId = 1;
  readonly timeoutMs: number;
  private readonly maxBackoffMs: number;
  calls = 0;
  retries = 0;

  constructor(private readonly options: RpcOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  private async once(method: string, params: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    this.calls++;
    // One controller per call, unlinked afterwards: the indexer's stop signal lives for the whole
    // process, so anything left registered on it per call would pile up while following the head.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`${method} timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    const onStop = () => controller.abort(new Error("indexer stopped"));
    this.options.signal?.addEventListener("abort", onStop, { once: true });
    let text: string;
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: controller.signal,
      });
      text = await response.text();
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener("abort", onStop);
    }
    if (!response.ok) throw new RpcAnswerError(`HTTP ${response.status} from ${method}`);
    if (!text) throw new RpcAnswerError(`empty answer to ${method}`);
    const body = JSON.parse(text) as { id?: number; result?: unknown; error?: { code: number; message: string } };
    if (body.error) {
      if (TOO_MANY.test(body.error.message)) throw new RangeTooLargeError(body.error.message);
      throw new RpcAnswerError(`${method}: ${body.error.message}`, body.error.code);
    }
    if (body.id !== id) throw new RpcAnswerError(`answer to ${method} carries id ${String(body.id)}, expected ${id}`);
    if (!("result" in body)) throw new RpcAnswerError(`answer to ${method} has no result`);
    return body.result;
  }

  /** Calls `method`; `accept` rejects answers that cannot be right (e.g. null where a value must exist) so they are retried. */
  async call<T>(method: string, params: unknown[], accept: (result: unknown) => boolean = (r) => r !== null && r !== undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.once(method, params);
        if (!accept(result)) throw new RpcAnswerError(`unusable answer to ${method}`);
        return result as T;
      } catch (error) {
        if (error instanceof RangeTooLargeError) throw error;
        if (this.options.signal?.aborted) throw new Error("indexer stopped");
        this.retries++;
        const delay = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
        if (attempt >= 2) this.options.log?.(`RPC ${method} failed (${error instanceof Error ? error.message : String(error)}); retry ${attempt + 1} in ${Math.round(delay)} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async chainId(): Promise<number> {
    return Number(await this.call<Hex>("eth_chainId", []));
  }

  async blockNumber(): Promise<bigint> {
    return BigInt(await this.call<Hex>("eth_blockNumber", [], (r) => typeof r === "string" && r.startsWith("0x")));
  }

  /** Header of block `number`, or null when the chain has no such block (asked only for blocks ≤ a head we saw). */
  async block(number: bigint, mustExist = true): Promise<BlockHeader | null> {
    const result = await this.call<{ number: Hex; hash: Hex; parentHash: Hex } | null>(
      "eth_getBlockByNumber", [`0x${number.toString(16)}`, false],
      (r) => (mustExist ? r !== null && typeof r === "object" : r === null || typeof r === "object"),
    );
    return result ? { number: BigInt(result.number), hash: result.hash, parentHash: result.parentHash } : null;
  }

  async code(address: Hex): Promise<Hex> {
    return this.call<Hex>("eth_getCode", [address, "latest"], (r) => typeof r === "string");
  }

  /** eth_getLogs over [from, to]; splits the range in halves while the node says it is too large. */
  async logs(addresses: Hex[], from: bigint, to: bigint): Promise<RpcLog[]> {
    try {
      return await this.call<RpcLog[]>(
        "eth_getLogs", [{ address: addresses, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
        (r) => Array.isArray(r),
      );
    } catch (error) {
      if (!(error instanceof RangeTooLargeError) || from === to) throw error;
      const mid = from + (to - from) / 2n;
      const [left, right] = await Promise.all([this.logs(addresses, from, mid), this.logs(addresses, mid + 1n, to)]);
      return left.concat(right);
    }
  }
}
