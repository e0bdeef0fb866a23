import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { outageCounts, outageHistory } from "../src/outages";
import { RELIABILITY_UPDATE_SQL } from "../src/reliability";
import { useTempDatabase } from "./helpers/temp-database";

const CHAIN_ID = 31337;
const PROVIDER = "0x00000000000000000000000000000000000000aa";

async function provider(address: string, counts: { completed: number; reported: number; refuted: number; settled: number }) {
  await getPool().query(
    `insert into provider (chain_id, address, status, stake, pending_unstake, total_slashed, encryption_key, metadata_uri, registered_block,
       offers_listed, leases_total, leases_completed, leases_cancelled, leases_not_accepted, leases_declined, disputes_opened, disputes_lost,
       outages_reported, outages_refuted, outages_settled, earnings_net, updated_block)
     values ($1, $2, 'Active', 0, 0, 0, '0x', '', 1, 1, $3, $3, 0, 0, 0, 0, 0, $4, $5, $6, 0, 1)`,
    [CHAIN_ID, address, counts.completed, counts.reported, counts.refuted, counts.settled],
  );
  await getPool().query(RELIABILITY_UPDATE_SQL, [CHAIN_ID, [address]]);
  return (await getPool().query<{ reliability: number }>("select reliability from provider where chain_id = $1 and address = $2", [CHAIN_ID, address])).rows[0]!
    .reliability;
}

async function outage(leaseId: number, seq: number, status: string, block: number) {
  const db = getPool();
  if (seq === 1) {
    await db.query(
      `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
         status, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block)
       values ($1, $2, 1, '0xr', $3, '0xt', 1, 1, 1, 1, 0, 'Active', 0, 0, '0x', 1, '0x', 1)`,
      [CHAIN_ID, leaseId, PROVIDER],
    );
  }
  await db.query(
    `insert into lease_outage (chain_id, outage_id, lease_id, seq, renter, provider, reporter, last_seen, cutoff, bond, refutable_until, status,
       reported_block, reported_tx_hash, reported_log_index, refuted_block, settled_block, updated_block)
     values ($1, $2, $3, $4, '0xr', $5, '0xw', 1000, 1060, 1000000, 1200, $6, $7, '0xtx', 0, $8, $9, $7)`,
    [CHAIN_ID, `${leaseId}:${seq}`, leaseId, seq, PROVIDER, status, block, status === "Refuted" ? block + 1 : null, status === "Settled" ? block + 2 : null],
  );
}

useTempDatabase("gridlease-outages-");

describe("outage SLA history", () => {
  it("a settled outage lowers reliability like a lost dispute; a refuted report costs nothing", async () => {
    const clean = await provider("0x01", { completed: 4, reported: 0, refuted: 0, settled: 0 });
    const refutedOnly = await provider("0x02", { completed: 4, reported: 3, refuted: 3, settled: 0 });
    const settled = await provider("0x03", { completed: 4, reported: 1, refuted: 0, settled: 1 });
    expect(refutedOnly).toBe(clean);
    // Without uptime: 30 × (4+1)/(4+2) + 20 × 1 = 45 clean; with one settled outage 30 × 5/7 + 20 × (1 − 1/5) = 37.4.
    expect(clean).toBe(45);
    expect(settled).toBe(37.4);
  });

  it("lists a provider's reports newest first with their outcome, and its counters", async () => {
    await provider(PROVIDER, { completed: 1, reported: 3, refuted: 1, settled: 1 });
    await outage(7, 1, "Refuted", 10);
    await outage(7, 2, "Settled", 20);
    await outage(8, 1, "Reported", 30);
    const history = await outageHistory(CHAIN_ID, PROVIDER.toUpperCase().replace("0X", "0x"));
    expect(history.map((o) => [o.leaseId, o.seq, o.status])).toEqual([
      ["8", 1, "Reported"],
      ["7", 2, "Settled"],
      ["7", 1, "Refuted"],
    ]);
    expect(history[1]).toMatchObject({ cutoff: 1060, lastSeen: 1000, bond: "1000000", reportedBlock: 20, settledBlock: 22, refutedBlock: null });
    expect(await outageHistory(CHAIN_ID, PROVIDER, 1)).toHaveLength(1);
    expect(await outageCounts(CHAIN_ID, PROVIDER)).toEqual({ reported: 3, refuted: 1, settled: 1 });
    expect(await outageCounts(CHAIN_ID, "0x00000000000000000000000000000000000000ff")).toEqual({ reported: 0, refuted: 0, settled: 0 });
  });
});
