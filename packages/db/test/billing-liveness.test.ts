import { describe, expect, it } from "vitest";
import type pg from "pg";
import { billingHistory, billingQuerySchema } from "../src/billing";
import { getPool } from "../src/client";
import { billingRows } from "./billing-rows";
import { useTempDatabase } from "./helpers/temp-database";

/**
 * Outage reports (issue 15) in the billing history, from the rows the indexer writes: the report bond is
 * the reporter's money, so it shows for a renter who reported itself and not for one whose watcher did;
 * a report that stood gives it back with the refund from the cutoff and the penalty from the stake; a
 * refuted report's bond is the provider's.
 */
const CHAIN = 31337;
const U = 1_000_000n;
const RENTER = "0x00000000000000000000000000000000000000aa";
const WATCHED_RENTER = "0x00000000000000000000000000000000000000bb";
const PROVIDER = "0x00000000000000000000000000000000000000cc";
const WATCHER = "0x00000000000000000000000000000000000000ee";

let db: pg.Pool;
const rows = billingRows(() => db, { chainId: CHAIN, token: "0x01", eventAddress: "0xliveness" });
const lease = (id: number, renter: string, deposit: bigint) => rows.lease(id, renter, PROVIDER, deposit);
const { tx } = rows;

const history = (account: string, role: "renter" | "provider") =>
  billingHistory(billingQuerySchema.parse({ account, role, chainId: String(CHAIN), limit: "1000" }), db);

useTempDatabase("gridlease-billing-liveness-", writeRows, 180_000);

/** The story's rows, as the indexer writes them. */
async function writeRows() {
  db = getPool();
  // Lease 1: 40 USDC; the renter reports (1 USDC bond); the provider's agent refutes; the renter reports
  // again; the report stands: 6 USDC accrued to the cutoff, 34 back, 4 USDC no-show penalty, bond back.
  await lease(1, RENTER, 40n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 1n, offerId: 1n, renter: RENTER, provider: PROVIDER, gpus: 2, durationHours: 10, pricePerGpuHour: 2n * U, deposit: 40n * U },
  ]);
  await tx(["OutageReported", { leaseId: 1n, reporter: RENTER, lastSeen: 1000n, cutoff: 1060n, bond: 1n * U, refutableUntil: 1200n }]);
  await tx(["OutageRefuted", { leaseId: 1n, provider: PROVIDER, proofBlock: 103n, bond: 1n * U }]);
  await tx(["OutageReported", { leaseId: 1n, reporter: RENTER, lastSeen: 2000n, cutoff: 2060n, bond: 1n * U, refutableUntil: 2200n }]);
  await tx(
    ["OutageSettled", { leaseId: 1n, reporter: RENTER, bondReturned: 1n * U }],
    ["LeaseClosed", { leaseId: 1n, reason: 6, providerTotal: 6n * U - 150_000n, renterRefund: 34n * U, feeTotal: 150_000n }],
    // The escrow closes first (LeaseClosed), then takes the penalty from the registry (ProviderSlashed).
    ["ProviderSlashed", { provider: PROVIDER, amount: 4n * U, recipient: RENTER, totalStake: 96n * U }],
  );
  // Lease 2: the watcher reports for its renter and the report stands: the bond is the watcher's, not the renter's.
  await lease(2, WATCHED_RENTER, 20n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 2n, offerId: 1n, renter: WATCHED_RENTER, provider: PROVIDER, gpus: 1, durationHours: 10, pricePerGpuHour: 2n * U, deposit: 20n * U },
  ]);
  await tx(["OutageReported", { leaseId: 2n, reporter: WATCHER, lastSeen: 3000n, cutoff: 3060n, bond: 1n * U, refutableUntil: 3200n }]);
  await tx(
    ["OutageSettled", { leaseId: 2n, reporter: WATCHER, bondReturned: 1n * U }],
    ["LeaseClosed", { leaseId: 2n, reason: 6, providerTotal: 0n, renterRefund: 20n * U, feeTotal: 0n }],
    ["ProviderSlashed", { provider: PROVIDER, amount: 2n * U, recipient: WATCHED_RENTER, totalStake: 94n * U }],
  );
}

describe("billing history of outage reports", () => {
  it("a renter who reported pays and gets back its bonds; a refuted report's bond stays with the provider", async () => {
    const h = await history(RENTER, "renter");
    expect(h.entries.map((e) => `${e.kind}:${e.amount}`)).toEqual([
      `compensation:${4n * U}`,
      `refund:${34n * U}`,
      `bond_returned:${1n * U}`,
      `outage_bond:${-1n * U}`,
      `outage_bond:${-1n * U}`,
      `deposit:${-40n * U}`,
    ]);
    // Paid 40 + 2 bonds; received 34 + 4 + 1: net −3 = 6 of service less the 4 penalty, plus the 1 bond lost to the refutation.
    expect(h.totals).toMatchObject({ paid: String(42n * U), received: String(39n * U), net: String(-3n * U) });
  });

  it("a renter whose watcher reported sees no bond, only the refund and the penalty", async () => {
    const h = await history(WATCHED_RENTER, "renter");
    expect(h.entries.map((e) => `${e.kind}:${e.amount}`)).toEqual([`compensation:${2n * U}`, `refund:${20n * U}`, `deposit:${-20n * U}`]);
  });

  it("the provider receives the bond of the report its agent refuted", async () => {
    const h = await history(PROVIDER, "provider");
    expect(h.entries.filter((e) => e.kind === "bond_received").map((e) => [e.leaseId, e.amount])).toEqual([["1", String(1n * U)]]);
    expect(h.entries.filter((e) => e.kind === "slashed").map((e) => e.amount)).toEqual([String(-2n * U), String(-4n * U)]);
  });
});
