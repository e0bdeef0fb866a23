import { getPool } from "@gridlease/db/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLeases } from "@/lib/server/leases";
import { startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "./route-harness";

/**
 * The rentals card's "You received" after a reclaim (issue 11): the indexed LeaseClosed refund plus
 * the ProviderSlashed payment to the renter in the same transaction, read from a real PostgreSQL.
 */
const RENTER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const PROVIDER = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const RECLAIM_TX = `0x${"a1".repeat(32)}`;
const OTHER_TX = `0x${"b2".repeat(32)}`;
let database: Awaited<ReturnType<typeof startMarketDatabase>>;

async function insertClosedLease(leaseId: number, reason: string, refund: string) {
  await getPool().query(
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
       status, close_reason, claimed_gross, claimed_fee, provider_total, renter_refund, fee_total, encrypted_request, booked_block, booked_tx_hash,
       closed_block, updated_block, finalized)
     values ($1, $2, 1, $3, $4, '0x0000000000000000000000000000000000000001', 1, 2, 2090000, 4180000, 1000, 'Closed', $5, 0, 0, 0, $6, 0, '0x', 10,
       '0x00', 20, 20, false)`,
    [CHAIN_ID, leaseId, RENTER, PROVIDER, reason, refund],
  );
}

async function insertEvent(txHash: string, logIndex: number, name: string, args: Record<string, string>) {
  await getPool().query(
    `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values ($1, $2, $3, 20, '0x20', '0x01', $4, $5::jsonb)`,
    [CHAIN_ID, txHash, logIndex, name, JSON.stringify(args)],
  );
}

beforeAll(async () => {
  database = await startMarketDatabase(1, 0.2, "gridlease-received-");
  // Lease 28: reclaimed after the accept window; the registry slashed 5 USDC of stake to the renter in the same transaction.
  await insertClosedLease(28, "NotAccepted", "4180000");
  await insertEvent(RECLAIM_TX, 0, "ProviderSlashed", { provider: PROVIDER, amount: "5000000", recipient: RENTER, totalStake: "95000000" });
  await insertEvent(RECLAIM_TX, 1, "LeaseClosed", { leaseId: "28", reason: "3", providerTotal: "0", renterRefund: "4180000", feeTotal: "0" });
  // Lease 29: cancelled by the renter; a slash in another transaction (another lease's) is not its money.
  await insertClosedLease(29, "CancelledByRenter", "4180000");
  await insertEvent(OTHER_TX, 0, "LeaseClosed", { leaseId: "29", reason: "2", providerTotal: "0", renterRefund: "4180000", feeTotal: "0" });
  await insertEvent(`0x${"c3".repeat(32)}`, 0, "ProviderSlashed", { provider: PROVIDER, amount: "5000000", recipient: RENTER, totalStake: "90000000" });
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

describe("loadLeases: amount the renter received", () => {
  it("adds the stake slashed to the renter in the closing transaction to the refund (9.18, not 4.18)", async () => {
    const [lease] = await loadLeases(CHAIN_ID, { leaseId: 28n });
    expect(lease?.renterRefund).toBe("4180000");
    expect(lease?.renterReceived).toBe("9180000");
  });

  it("counts only the refund when no slash was paid in the closing transaction", async () => {
    const [lease] = await loadLeases(CHAIN_ID, { leaseId: 29n });
    expect(lease?.renterReceived).toBe("4180000");
  });
});
