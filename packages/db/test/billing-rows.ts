import type pg from "pg";

/**
 * Rows for the billing tests, written as the indexer stores them: a closed lease, and raw events grouped
 * per transaction (consecutive log indexes, one new block per transaction from block 101).
 */
export function billingRows(db: () => pg.Pool, options: { chainId: number; token: string; eventAddress: string }) {
  let txCounter = 0;
  return {
    async lease(id: number, renter: string, provider: string, deposit: bigint) {
      await db().query(
        `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
           status, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block)
         values ($1, $2, 1, $3, $4, $5, 2, 10, 2000000, $6, 0, 'Closed', 0, 0, '0x', 1, '0x01', 1)`,
        [options.chainId, id, renter, provider, options.token, deposit.toString()],
      );
    },
    /** One transaction's events. */
    async tx(...events: [name: string, args: Record<string, unknown>][]) {
      const hash = `0x${(++txCounter).toString(16).padStart(64, "0")}`;
      for (const [index, [name, args]] of events.entries()) {
        const json = JSON.stringify(args, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
        await db().query(
          `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values ($1, $2, $3, $4, '0xbb', $5, $6, $7)`,
          [options.chainId, hash, index, 100 + txCounter, options.eventAddress, name, json],
        );
      }
    },
  };
}
