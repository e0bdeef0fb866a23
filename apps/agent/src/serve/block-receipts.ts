import { setTimeout as sleep } from "node:timers/promises";
import { formatTransactionReceipt, numberToHex, type Hash, type PublicClient, type RpcTransactionReceipt, type TransactionReceipt } from "viem";

interface Waiter {
  resolve: (receipt: TransactionReceipt) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  hash: Hash;
  /** When the receipt is looked up directly again (a safety net for a block the loop did not read). */
  lookupAt: number;
}

/** A waiter whose receipt no block read has delivered is looked up directly this often. */
const LOOKUP_EVERY_MS = 10_000;

/**
 * Receipts for many senders from one `eth_getBlockReceipts` per new block. viem's
 * waitForTransactionReceipt polls per transaction (a receipt, the transaction, and on a miss the whole
 * block with its transactions, every block): with hundreds of providers (or renters) waiting at once that
 * was the node's busiest traffic, about eight calls per mined transaction.
 */
export class BlockReceipts {
  private readonly waiters = new Map<string, Waiter>();
  private nextBlock?: bigint;
  private running = false;

  constructor(
    private readonly client: PublicClient,
    private readonly pollMs = 500,
    private readonly timeoutMs = 180_000,
  ) {}

  wait(hash: Hash): Promise<TransactionReceipt> {
    const key = hash.toLowerCase();
    const receipt = new Promise<TransactionReceipt>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no receipt for ${hash} within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.waiters.set(key, { resolve, reject, timer, hash, lookupAt: Date.now() + LOOKUP_EVERY_MS });
    });
    // Registered first, then looked up once: a transaction mined in a block the loop read before this
    // call is found here, one mined later by the loop.
    this.lookup(hash);
    if (!this.running) void this.loop();
    return receipt;
  }

  private lookup(hash: Hash): void {
    void this.client
      .getTransactionReceipt({ hash })
      .then((found) => this.settle(hash.toLowerCase(), found))
      .catch(() => undefined);
  }

  private settle(key: string, receipt: TransactionReceipt): void {
    const waiter = this.waiters.get(key);
    if (!waiter) return;
    this.waiters.delete(key);
    clearTimeout(waiter.timer);
    waiter.resolve(receipt);
  }

  private async loop(): Promise<void> {
    this.running = true;
    let starting = true;
    try {
      while (this.waiters.size > 0) {
        try {
          const head = await this.client.getBlockNumber({ cacheTime: 0 });
          // A transaction waited for is sent just before its wait, so blocks older than the head when the loop
          // (re)starts cannot hold it (the direct lookups cover the race); a block already read is not read again.
          if (this.nextBlock === undefined || (starting && this.nextBlock < head)) this.nextBlock = head;
          starting = false;
          for (; this.nextBlock <= head && this.waiters.size > 0; this.nextBlock++) {
            const receipts = await this.client.request({ method: "eth_getBlockReceipts", params: [numberToHex(this.nextBlock)] } as never);
            for (const raw of (receipts ?? []) as RpcTransactionReceipt[]) {
              if (this.waiters.has(raw.transactionHash.toLowerCase())) this.settle(raw.transactionHash.toLowerCase(), formatTransactionReceipt(raw));
            }
          }
          if (this.nextBlock <= head) this.nextBlock = head + 1n;
          const now = Date.now();
          for (const waiter of this.waiters.values()) {
            if (waiter.lookupAt > now) continue;
            waiter.lookupAt = now + LOOKUP_EVERY_MS;
            this.lookup(waiter.hash);
          }
        } catch {
          // The node is busy or restarting: the next round reads the same blocks again.
        }
        await sleep(this.pollMs);
      }
    } finally {
      this.running = false;
    }
  }
}
