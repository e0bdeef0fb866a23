import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { findLeases, listLeases } from "../src/leases";
import { insertSyntheticOffers } from "../src/synthetic";
import { useTempDatabase } from "./helpers/temp-database";
import { insertRow, leaseRow, rawEventRow } from "./helpers/rows";

const CHAIN_ID = 31337;
const RENTER = "0x00000000000000000000000000000000000000a1";
const OTHER_RENTER = "0x00000000000000000000000000000000000000a2";
const CLOSE_TX = `0x${"c1".repeat(32)}`;
let offer: { id: string; gpuModel: string; region: string };

useTempDatabase("gridlease-leases-", async () => {
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 1, seed: 0.5 });
  offer = (await getPool().query('select offer_id::text as id, gpu_model as "gpuModel", region from offer where chain_id = $1', [CHAIN_ID])).rows[0];
  for (const id of [1, 2, 3]) await insertRow("lease", leaseRow(CHAIN_ID, id, { offer_id: offer.id, renter: RENTER }));
  await insertRow("lease", leaseRow(CHAIN_ID, 4, { offer_id: offer.id, renter: OTHER_RENTER }));
  // Lease 5's offer is not in the mirror.
  await insertRow("lease", leaseRow(CHAIN_ID, 5, { offer_id: 999, renter: RENTER }));
  await insertRow("dispute", {
    chain_id: CHAIN_ID,
    lease_id: 2,
    renter: RENTER,
    provider: "0xp",
    evidence_hash: "0xe",
    evidence_uri: "ipfs://e",
    status: "Resolved",
    renter_amount: "7000000",
    opened_block: 5,
    updated_block: 6,
  });
  // Leases 6 and 7 closed in block 20: 6 by a reclaim that slashed stake to the renter in the same transaction,
  // 7 in another transaction of that block, next to a slash that was not its own.
  for (const id of [6, 7]) {
    await insertRow("lease", leaseRow(CHAIN_ID, id, { offer_id: offer.id, renter: OTHER_RENTER, status: "Closed", closed_block: 20, renter_refund: 100 }));
  }
  await insertRow("raw_event", rawEventRow(CHAIN_ID, CLOSE_TX, 0, 20, "ProviderSlashed", { recipient: OTHER_RENTER, amount: "5000000" }));
  await insertRow("raw_event", rawEventRow(CHAIN_ID, CLOSE_TX, 1, 20, "LeaseClosed", { leaseId: "6" }));
  await insertRow("raw_event", rawEventRow(CHAIN_ID, "0xother", 0, 20, "LeaseClosed", { leaseId: "7" }));
  await insertRow("raw_event", rawEventRow(CHAIN_ID, "0xslash", 0, 20, "ProviderSlashed", { recipient: OTHER_RENTER, amount: "9" }));
});

describe("findLeases (the web dashboards' lease reads)", () => {
  it("gives a renter's leases newest first with the offer's GPU and region, and the dispute when there is one", async () => {
    const leases = await findLeases(CHAIN_ID, { renter: RENTER });
    expect(leases.map((l) => l.leaseId)).toEqual(["5", "3", "2", "1"]);
    const disputed = leases.find((l) => l.leaseId === "2")!;
    expect(disputed).toMatchObject({ gpuModel: offer.gpuModel, region: offer.region, hours: 1, acceptedAt: null, pricePerGpuHour: "1" });
    expect(disputed.dispute).toEqual({
      evidenceHash: "0xe",
      evidenceUri: "ipfs://e",
      status: "Resolved",
      renterAmount: "7000000",
      providerAmount: null,
      slashAmount: null,
    });
    expect(leases.find((l) => l.leaseId === "1")!.dispute).toBeNull();
  });

  it("keeps a lease whose offer is not mirrored, with no GPU model or region", async () => {
    const [lease] = await findLeases(CHAIN_ID, { leaseIds: ["5"] });
    expect(lease).toMatchObject({ leaseId: "5", gpuModel: null, region: null });
  });

  it("picks leases by id, at most `limit`", async () => {
    expect((await findLeases(CHAIN_ID, { leaseIds: ["1", "4", "3"] })).map((l) => l.leaseId)).toEqual(["4", "3", "1"]);
    expect((await findLeases(CHAIN_ID, { leaseIds: ["1", "4", "3"] }, 2)).map((l) => l.leaseId)).toEqual(["4", "3"]);
  });

  it("gives a closed lease the stake slashed in its closing transaction only", async () => {
    const leases = await findLeases(CHAIN_ID, { leaseIds: ["6", "7", "1"] });
    expect(leases.map((l) => [l.leaseId, l.slashesAtClose])).toEqual([
      ["7", []],
      ["6", [{ recipient: OTHER_RENTER, amount: "5000000" }]],
      ["1", []],
    ]);
  });
});

describe("listLeases (the lease API)", () => {
  it("pages a renter's leases with the cursor, leaving out leases whose offer is not mirrored", async () => {
    const first = await listLeases({ chainId: CHAIN_ID, renter: RENTER, limit: 2 });
    expect(first.leases.map((l) => l.leaseId)).toEqual(["3", "2"]);
    expect(first.leases[1]).toMatchObject({ disputeStatus: "Resolved", gpuModel: offer.gpuModel });
    const second = await listLeases({ chainId: CHAIN_ID, renter: RENTER, limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ leases: [expect.objectContaining({ leaseId: "1", disputeStatus: null })], nextCursor: null });
  });
});
