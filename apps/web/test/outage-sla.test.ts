import { getPool } from "@gridlease/db/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOfferDetail } from "@/lib/server/offer-detail";
import { loadProviderDashboard } from "@/lib/server/provider-dashboard";
import { startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "./route-harness";

/**
 * SLA history (issue 15) on the offer page and the provider dashboard: the indexer's outage counters
 * and lease_outage rows, read from a real PostgreSQL through the pages' own loaders.
 */
const RENTER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
let database: Awaited<ReturnType<typeof startMarketDatabase>>;
let provider: `0x${string}`;
let offerId: bigint;

async function outage(leaseId: number, seq: number, status: string, block: number) {
  await getPool().query(
    `insert into lease_outage (chain_id, outage_id, lease_id, seq, renter, provider, reporter, last_seen, cutoff, bond, refutable_until, status,
       reported_block, reported_tx_hash, reported_log_index, refuted_block, settled_block, updated_block)
     values ($1, $2, $3, $4, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', $5, '0x90f79bf6eb2c4f870365e785982e1f101e93b906', 1764547200, 1764547260, 1000000, 1764547400, $6, $7, '0xtx', 0, $8, $9, $7)`,
    [
      CHAIN_ID,
      `${leaseId}:${seq}`,
      leaseId,
      seq,
      provider.toLowerCase(),
      status,
      block,
      status === "Refuted" ? block + 1 : null,
      status === "Settled" ? block + 2 : null,
    ],
  );
}

beforeAll(async () => {
  database = await startMarketDatabase(1, 0.4, "gridlease-outage-sla-");
  // Nothing here needs the node (no price history or payouts to date); the config only has to be complete.
  process.env.RPC_URL ??= "http://127.0.0.1:1";
  const row = (
    await getPool().query<{ provider: `0x${string}`; offer_id: string }>("select provider, offer_id::text from offer where chain_id = $1 limit 1", [CHAIN_ID])
  ).rows[0]!;
  [provider, offerId] = [row.provider, BigInt(row.offer_id)];
  await getPool().query("update provider set outages_reported = 2, outages_refuted = 1, outages_settled = 1 where chain_id = $1 and address = $2", [
    CHAIN_ID,
    provider,
  ]);
  await getPool().query(
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
       status, close_reason, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block, outages_reported)
     values ($1, 41, $2, $4, $3, $4, 1, 2, 1, 2, 0, 'Closed', 'ProviderOffline', 0, 0, '0x', 1, '0x', 30, 2)`,
    [CHAIN_ID, offerId.toString(), provider, RENTER],
  );
  await outage(41, 1, "Refuted", 10);
  await outage(41, 2, "Settled", 20);
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

describe("SLA history", () => {
  it("the offer page shows the provider's outages reported, refuted and settled", async () => {
    const detail = await loadOfferDetail(CHAIN_ID, offerId);
    expect(detail?.provider).toMatchObject({ outagesReported: 2, outagesRefuted: 1, outagesSettled: 1 });
  });

  it("the provider dashboard lists its outage reports newest first with their outcome", async () => {
    const dashboard = await loadProviderDashboard(CHAIN_ID, provider);
    expect(dashboard.outages).toMatchObject({ reported: 2, refuted: 1, settled: 1 });
    expect(dashboard.outages.latest.map((o) => [o.leaseId, o.seq, o.status, o.settledBlock, o.refutedBlock])).toEqual([
      ["41", 2, "Settled", 22, null],
      ["41", 1, "Refuted", null, 11],
    ]);
    expect(dashboard.outages.latest[0]).toMatchObject({ lastSeen: 1764547200, cutoff: 1764547260, bond: "1000000" });
  });
});
