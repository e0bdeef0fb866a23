import { HEARTBEAT_TYPES, heartbeatDomain } from "@gridlease/sdk/heartbeat";
import type { Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { getPool } from "../../src/client";
import { startTempPostgres } from "../../src/embedded";
import type { HeartbeatBody } from "../../src/heartbeats";
import { runMigrations } from "../../src/migrate";
import { insertSyntheticOffers } from "../../src/synthetic";

// Shared by the heartbeat tests: heartbeats are verified against the registry the indexer cursor names,
// so every database they use needs the same cursor row, provider rows and signed beats.
export const CHAIN_ID = 31337;
export const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A migrated temporary database (DATABASE_URL points at it) with synthetic offers and an indexer cursor naming REGISTRY. */
export async function startHeartbeatDatabase(prefix: string, synthetic: { count: number; seed: number }) {
  const server = await startTempPostgres(prefix);
  await runMigrations(server.url);
  process.env.DATABASE_URL = server.url;
  await insertSyntheticOffers({ chainId: CHAIN_ID, ...synthetic });
  await getPool().query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
     values ($1, $2, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512', 1, '0xaa', 100, '0xbb', 90)`,
    [CHAIN_ID, REGISTRY.toLowerCase()],
  );
  return server;
}

/** Offer columns a test pins instead of copying them from the synthetic offer (allUnitsFree: free_units = gpu_count). */
export interface OfferPins {
  gpuModel?: string;
  region?: string;
  status?: string;
  allUnitsFree?: boolean;
}

/** A provider row (and one offer) for `address`, copied from a synthetic one: the indexer writes these in production. */
export async function registerProvider(address: string, pins: OfferPins = {}): Promise<string> {
  const db = getPool();
  await db.query(
    `insert into provider select chain_id, $1, status, stake, pending_unstake, unstake_available_at, total_slashed, encryption_key,
       metadata_uri, registered_block, 0, 0, 0, 0, 0, 0, 0, 0, earnings_net, 0, updated_block, finalized
     from provider where chain_id = $2 limit 1`,
    [address.toLowerCase(), CHAIN_ID],
  );
  const { rows } = await db.query<{ id: string }>(
    `insert into offer select chain_id, (select max(offer_id) + 1 from offer), $1, coalesce($3::text, gpu_model), gpu_count, vram_gb, cpu_cores, ram_gb, disk_gb,
       bandwidth_mbps, coalesce($4::text, region), price_per_gpu_hour, price_per_tflop, min_hours, max_hours, coalesce($5::text, status),
       case when $6::boolean then gpu_count else free_units end, listed_block, listed_log_index, updated_block, finalized
     from offer where chain_id = $2 limit 1 returning offer_id::text as id`,
    [address.toLowerCase(), CHAIN_ID, pins.gpuModel ?? null, pins.region ?? null, pins.status ?? null, pins.allUnitsFree ?? false],
  );
  return rows[0]!.id;
}

/** A heartbeat from `account` at `timestamp` (unix seconds) naming `offerIds`, signed for REGISTRY on CHAIN_ID. */
export async function signedBeat(account: PrivateKeyAccount, timestamp: number, offerIds: string[]): Promise<HeartbeatBody> {
  const signature = await account.signTypedData({
    domain: heartbeatDomain({ chainId: CHAIN_ID, registry: REGISTRY }),
    types: HEARTBEAT_TYPES,
    primaryType: "Heartbeat",
    message: { provider: account.address, timestamp: BigInt(timestamp), offerIds: offerIds.map(BigInt) },
  });
  return { provider: account.address, timestamp, offerIds, chainId: CHAIN_ID, signature };
}
