import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { disputeQueue, leaseEventHistory } from "../src/disputes";
import { useTempDatabase } from "./helpers/temp-database";

const CHAIN_ID = 31337;
/** Lease `id` with a dispute opened at `opened` and, unless open, closed at `closed`. */
async function disputedLease(id: number, status: string, opened: number, closed: number | null) {
  const db = getPool();
  await db.query(
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
       status, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block)
     values ($1, $2, 1, '0xr', '0xp', '0xt', 1, 1, 1, 1, 0, 'Disputed', 0, 0, '0x', 1, '0x', 1)`,
    [CHAIN_ID, id],
  );
  await db.query(
    `insert into dispute (chain_id, lease_id, renter, provider, evidence_hash, evidence_uri, status, opened_block, closed_block, updated_block)
     values ($1, $2, '0xr', '0xp', '0x', '', $3, $4, $5, $4)`,
    [CHAIN_ID, id, status, opened, closed],
  );
}

async function rawEvent(block: number, logIndex: number, name: string, args: Record<string, unknown>) {
  await getPool().query(
    `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values ($1, $2, $3, $4, '0x', '0x', $5, $6)`,
    [CHAIN_ID, `0x${block}`, logIndex, block, name, JSON.stringify(args)],
  );
}

useTempDatabase("gridlease-disputes-", async () => {
  await disputedLease(1, "Open", 30, null);
  await disputedLease(2, "Open", 20, null);
  await disputedLease(3, "Resolved", 5, 40);
  await disputedLease(4, "Finalized", 6, 50);
  await rawEvent(12, 1, "LeaseAccepted", { leaseId: "2", encryptedAccess: "0xsealed" });
  await rawEvent(12, 0, "LeaseBooked", { leaseId: "2", encryptedRequest: "0xsealed", gpus: 1 });
  await rawEvent(20, 0, "DisputeOpened", { leaseId: "2", evidenceURI: "ipfs://e" });
  await rawEvent(21, 0, "DisputeOpened", { leaseId: "9" });
});

describe("the arbiter's dispute queue", () => {
  it("lists open disputes oldest first, then decided ones most recently closed first", async () => {
    expect(await disputeQueue(CHAIN_ID)).toEqual({
      open: [
        { leaseId: "2", openedBlock: "20" },
        { leaseId: "1", openedBlock: "30" },
      ],
      decided: [
        { leaseId: "4", openedBlock: "6" },
        { leaseId: "3", openedBlock: "5" },
      ],
    });
  });

  it("gives each lease's events in chain order without the sealed payloads", async () => {
    const history = await leaseEventHistory(CHAIN_ID, ["2", "3"]);
    expect([...history.keys()]).toEqual(["2"]);
    expect(history.get("2")).toEqual([
      { name: "LeaseBooked", block: "12", txHash: "0x12", args: { leaseId: "2", gpus: 1 } },
      { name: "LeaseAccepted", block: "12", txHash: "0x12", args: { leaseId: "2" } },
      { name: "DisputeOpened", block: "20", txHash: "0x20", args: { leaseId: "2", evidenceURI: "ipfs://e" } },
    ]);
  });
});
