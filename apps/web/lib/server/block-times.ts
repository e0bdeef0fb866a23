import { serverPublicClient } from "./chain";
import { readRuntimeConfig } from "./runtime-config";

/**
 * Block timestamps for charts that put time on the x-axis. The index keeps block numbers only, so
 * they come from the node, once per block per process (a mined block's time never changes short of
 * a reorg, and charts tolerate that). Blocks the node cannot answer for are left out of the map.
 */
const cache = new Map<string, number>();
const CONCURRENCY = 16;

export async function blockTimestamps(blocks: Iterable<number>): Promise<Map<number, number>> {
  const { CHAIN_ID } = readRuntimeConfig();
  const wanted = [...new Set(blocks)];
  const missing = wanted.filter((b) => !cache.has(`${CHAIN_ID}:${b}`));
  for (let i = 0; i < missing.length; i += CONCURRENCY) {
    await Promise.all(
      missing.slice(i, i + CONCURRENCY).map(async (block) => {
        try {
          const { timestamp } = await serverPublicClient().getBlock({ blockNumber: BigInt(block) });
          cache.set(`${CHAIN_ID}:${block}`, Number(timestamp));
        } catch {
          // Left out: the chart drops a point it cannot place rather than guessing its time.
        }
      }),
    );
  }
  const out = new Map<number, number>();
  for (const block of wanted) {
    const time = cache.get(`${CHAIN_ID}:${block}`);
    if (time !== undefined) out.set(block, time);
  }
  return out;
}
