import type { Hex } from "viem";
import type { RpcLog } from "./events";
import { IndexerError } from "./errors";

export interface RpcOptions {
  url: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retry delays grow exponentially up to this cap; retries go on until `signal` aborts. */
  maxBackoffMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * Largest getLogs answer read (default 16 MiB); a bigger one counts as "too many results". Nodes
   * without a result cap (Hardhat, anvil, a private geth) would otherwise hand a dense range to the
   * parser in one piece, which the indexer's 128 MB heap cannot hold.
   */
  maxAnswerBytes?: number;
}

export interface BlockHeader {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/** The node refused a getLogs range as too large; split it rather than retry it. */
export class RangeTooLargeError extends IndexerError {
  readonly code = "range_too_large";
}

class RpcAnswerError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
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

  readonly maxAnswerBytes: number;

  constructor(private readonly options: RpcOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 16 * 1024 * 1024;
  }

  /** The body as text, refusing (RangeTooLargeError) past maxAnswerBytes without reading further. */
  private async readCapped(response: Response, method: string, controller: AbortController): Promise<string> {
    if (!response.body) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      size += chunk.byteLength;
      if (size > this.maxAnswerBytes) {
        controller.abort(new Error("answer too large"));
        throw new RangeTooLargeError(`answer to ${method} is larger than ${this.maxAnswerBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString("utf8");
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
      text = method === "eth_getLogs" ? await this.readCapped(response, method, controller) : await response.text();
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
        if (attempt >= 2)
          this.options.log?.(
            `RPC ${method} failed (${error instanceof Error ? error.message : String(error)}); retry ${attempt + 1} in ${Math.round(delay)} ms`,
          );
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
    const result = await this.call<{ number: Hex; hash: Hex; parentHash: Hex } | null>("eth_getBlockByNumber", [`0x${number.toString(16)}`, false], (r) =>
      mustExist ? r !== null && typeof r === "object" : r === null || typeof r === "object",
    );
    return result ? { number: BigInt(result.number), hash: result.hash, parentHash: result.parentHash } : null;
  }

  async code(address: Hex): Promise<Hex> {
    return this.call<Hex>("eth_getCode", [address, "latest"], (r) => typeof r === "string");
  }

  /**
   * eth_getLogs over [from, to], or over a shorter range starting at `from` when the node refuses the
   * range as too large (or its answer passes maxAnswerBytes): halves it until it fits and says where it
   * ended. Only the part that fits is ever held in memory; the caller goes on from `to` + 1.
   */
  async logs(addresses: Hex[], from: bigint, to: bigint): Promise<{ logs: RpcLog[]; to: bigint }> {
    try {
      const logs = await this.call<RpcLog[]>(
        "eth_getLogs",
        [{ address: addresses, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
        (r) => Array.isArray(r),
      );
      return { logs, to };
    } catch (error) {
      if (!(error instanceof RangeTooLargeError)) throw error;
      if (from === to)
        throw new Error(`block ${from} alone has more events than one getLogs answer can carry (${error.message}); raise INDEXER_MAX_ANSWER_BYTES`);
      return this.logs(addresses, from, from + (to - from) / 2n);
    }
  }
}
