import { GPU_MODELS, REGIONS } from "@gridlease/sdk/gpus";
import type pg from "pg";
import { getPool } from "./client";
import { inTransaction } from "./transaction";

export interface SyntheticOffersOptions {
  chainId: number;
  count: number;
  /** Offers per synthetic provider. */
  offersPerProvider?: number;
  /** Seed for reproducible data (PostgreSQL setseed, -1..1). */
  seed?: number;
  /**
   * Share of the new providers that are online (default 0.9). Their last seen time is set a year
   * ahead, so they stay online however long a benchmark or test runs (a real heartbeat can never do
   * that: the API caps last seen at the beat's arrival); the others were last seen an hour ago.
   */
  onlineShare?: number;
}

/** Rough market prices in USDC per GPU-hour, to keep synthetic data realistic. */
const BASE_PRICE_USDC: Record<string, number> = {
  H200: 3.8,
  "H100-SXM": 2.9,
  "H100-PCIE": 2.4,
  "A100-SXM-80G": 1.6,
  "A100-SXM-40G": 1.2,
  "A100-PCIE-80G": 1.4,
  "A100-PCIE-40G": 1.1,
  L40S: 1.0,
  L4: 0.45,
  "RTX6000-ADA": 0.95,
  A6000: 0.6,
  RTX5090: 0.75,
  RTX4090: 0.4,
  RTX3090: 0.22,
  V100: 0.3,
  T4: 0.15,
};

/**
 * Inserts `count` synthetic active offers (and their providers) straight into the database, for
 * benchmarks only: the chain knows nothing about them. Offer ids continue after the highest
 * existing id; provider addresses are 0xfeed… so they never collide with real accounts.
 */
export async function insertSyntheticOffers(options: SyntheticOffersOptions, db: pg.Pool = getPool()): Promise<{ offers: number; providers: number }> {
  const perProvider = options.offersPerProvider ?? 10;
  const providers = Math.ceil(options.count / perProvider);
  const models = GPU_MODELS.map((m) => m.id);
  const vram = GPU_MODELS.map((m) => m.vramGb);
  const tflops = GPU_MODELS.map((m) => m.tflops);
  const prices = GPU_MODELS.map((m) => Math.round((BASE_PRICE_USDC[m.id] ?? 1) * 1e6));
  await inTransaction(db, async (client) => {
    await client.query("select setseed($1)", [options.seed ?? 0.42]);
    const start = await client.query<{ next: string }>("select coalesce(max(offer_id), 0)::text as next from offer where chain_id = $1", [options.chainId]);
    const firstId = BigInt(start.rows[0]!.next) + 1n;
    const providerBase = await client.query<{ n: number }>("select count(*)::int as n from provider where chain_id = $1 and address like '0xfeed%'", [
      options.chainId,
    ]);
    const firstProvider = providerBase.rows[0]!.n;
    await client.query(
      `insert into provider (chain_id, address, status, stake, pending_unstake, total_slashed, encryption_key, metadata_uri,
         registered_block, offers_listed, leases_total, leases_completed, leases_cancelled, leases_not_accepted, leases_declined,
         disputes_opened, disputes_lost, earnings_net, reliability, updated_block, finalized)
       select $1, '0xfeed' || lpad(to_hex($2::int + i), 36, '0'), 'Active', 1000000000, 0, 0, '0x' || repeat('00', 32), '',
         0, $4, 0, 0, 0, 0, 0, 0, 0, 0, round((40 + random() * 60)::numeric, 1)::float8, 0, true
       from generate_series(1, $3::int) as i`,
      [options.chainId, firstProvider, providers, perProvider],
    );
    await client.query(
      `insert into offer (chain_id, offer_id, provider, gpu_model, gpu_count, vram_gb, cpu_cores, ram_gb, disk_gb, bandwidth_mbps,
         region, price_per_gpu_hour, price_per_tflop, min_hours, max_hours, status, free_units, listed_block, listed_log_index,
         updated_block, finalized)
       select $1, $2::numeric + i - 1, '0xfeed' || lpad(to_hex($4::int + 1 + (i - 1) / $5::int), 36, '0'), ($6::text[])[m],
         g, ($7::int[])[m], g * 8 + 8, g * 64 + 64, 500 + (random() * 8000)::int, (array[1000, 2500, 10000, 25000])[1 + (random() * 3)::int],
         ($9::text[])[1 + floor(random() * array_length($9::text[], 1))::int], price, price::float8 / ($8::int[])[m], 1, 720, 'Active',
         greatest(0, g - (random() * g)::int), 0, 0, 0, true
       from (
         select i, m, (array[1, 1, 2, 4, 8, 8])[1 + floor(random() * 6)::int] as g,
           round(($10::bigint[])[m] * (0.75 + random() * 0.6)) as price
         from (select i, 1 + floor(random() * $11::int)::int as m from generate_series(1, $3::int) as i) picked
       ) spec`,
      [options.chainId, firstId.toString(), options.count, firstProvider, perProvider, models, vram, tflops, [...REGIONS], prices, models.length],
    );
    // Uptime rows like the heartbeat API writes: random 7-day uptime, online or an hour silent.
    await client.query(
      `insert into provider_uptime (chain_id, provider, first_heartbeat_at, last_heartbeat_at, uptime_24h, uptime_7d, uptime_30d, updated_at, uptime_slot)
       select $1, '0xfeed' || lpad(to_hex($2::int + i), 36, '0'), now() - interval '30 days',
         case when random() < $4::float8 then now() + interval '365 days' else now() - interval '1 hour' end, u, u, u, now(),
         floor(extract(epoch from now()) / 300)::bigint
       from (select i, round(random()::numeric, 3)::float8 as u from generate_series(1, $3::int) as i) picked`,
      [options.chainId, firstProvider, providers, options.onlineShare ?? 0.9],
    );
  });
  await db.query("analyze offer; analyze provider");
  return { offers: options.count, providers };
}
