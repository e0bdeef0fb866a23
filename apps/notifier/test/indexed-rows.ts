import { query } from "./helpers";

/**
 * Writes lease and raw_event rows the way the indexer does (same tables, same columns, raw_event via
 * COPY-compatible inserts that fire the outbox trigger), for tests of kinds the contracts do not emit
 * yet (provider offline) and for the many-event tests where a chain would only add minutes.
 */
let block = 1000;
export async function indexedLease(url: string, lease: { id: number; renter: string; provider: string; status?: string; endsAt?: number | null }) {
  await query(
    url,
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
       accepted_at, ends_at, status, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block)
     values (31337, $1, 1, $2, $3, '0x0000000000000000000000000000000000000001', 1, 4, 2000000, 8000000, 0, null, $4, $5, 0, 0, '0x', 1, '0x00', 1)
     on conflict (chain_id, lease_id) do update set status = excluded.status, ends_at = excluded.ends_at`,
    [lease.id, lease.renter.toLowerCase(), lease.provider.toLowerCase(), lease.endsAt ?? null, lease.status ?? "Pending"],
  );
}

export async function indexedEvent(url: string, name: string, args: Record<string, unknown>): Promise<string> {
  const b = ++block;
  const txHash = `0x${b.toString(16).padStart(64, "0")}`;
  await query(
    url,
    `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values (31337, $1, 0, $2, $1, '0x0000000000000000000000000000000000000002', $3, $4)`,
    [txHash, b, name, JSON.stringify(args)],
  );
  return `31337:${txHash}:0`;
}

/** A 1-GPU, 1-hour lease between `renter` and `provider` and its LeaseBooked event, as the indexer writes them. */
export async function indexedBooking(url: string, lease: { id: number; renter: string; provider: string }): Promise<string> {
  await indexedLease(url, lease);
  return indexedEvent(url, "LeaseBooked", {
    leaseId: String(lease.id),
    offerId: "1",
    gpus: 1,
    durationHours: "1",
    pricePerGpuHour: "1",
    deposit: "1",
    acceptDeadline: "1",
  });
}
