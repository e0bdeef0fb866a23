import { getPool } from "../../src/client";

/**
 * Rows as the indexer writes them, for read-model tests: `insertRow` takes column → value (objects go in
 * as JSON), and the *Row builders fill the NOT NULL columns a test does not care about.
 */
export async function insertRow(table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  const values = Object.values(row).map((v) => (v !== null && typeof v === "object" ? JSON.stringify(v) : v));
  await getPool().query(`insert into ${table} (${columns.join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`, values);
}

/** A lease row: Active, 1 GPU for 1 hour, booked at block 1, with `fields` on top. */
export function leaseRow(chainId: number, leaseId: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    chain_id: chainId,
    lease_id: leaseId,
    offer_id: 1,
    renter: "0xr",
    provider: "0xp",
    token: "0xt",
    gpus: 1,
    hours: 1,
    price_per_gpu_hour: 1,
    deposit: 1,
    accept_deadline: 0,
    status: "Active",
    claimed_gross: 0,
    claimed_fee: 0,
    encrypted_request: "0x",
    booked_block: 1,
    booked_tx_hash: "0x",
    updated_block: 1,
    ...fields,
  };
}

/** A raw contract event in block `block` of transaction `txHash`. */
export function rawEventRow(chainId: number, txHash: string, logIndex: number, block: number, name: string, args: Record<string, unknown>) {
  return { chain_id: chainId, tx_hash: txHash, log_index: logIndex, block_number: block, block_hash: "0x", address: "0x", name, args };
}
