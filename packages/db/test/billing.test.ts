import { describe, expect, it } from "vitest";
import type pg from "pg";
import { BILLING_CSV_HEADER, billingCsv, billingHistory, billingQuerySchema, type BillingHistory } from "../src/billing";
import { getPool } from "../src/client";
import { billingRows } from "./billing-rows";
import { useTempDatabase } from "./helpers/temp-database";

/**
 * Billing history against a real PostgreSQL holding the rows the indexer writes (lease + raw_event) for
 * a known story: the amounts are the contracts' own arithmetic, so every total can be checked by hand
 * and against the conservation rule (what a renter put in = refund + provider net + fees − compensation).
 */

const CHAIN = 31337;
const U = 1_000_000n; // 1 USDC
const RENTER = "0x00000000000000000000000000000000000000aa";
const RENTER2 = "0x00000000000000000000000000000000000000bb";
const PROVIDER = "0x00000000000000000000000000000000000000cc";
const OTHER_PROVIDER = "0x00000000000000000000000000000000000000dd";
const ARBITER = "0x00000000000000000000000000000000000000ee";

let db: pg.Pool;
const { lease, tx } = billingRows(() => db, { chainId: CHAIN, token: "0x5fbdb2315678afecb367f032d93f642f64180aa3", eventAddress: "0xescrow" });

const history = (account: string, role: "renter" | "provider", extra: Record<string, string> = {}) =>
  billingHistory(billingQuerySchema.parse({ account, role, chainId: String(CHAIN), limit: "1000", ...extra }), db);

useTempDatabase("gridlease-billing-", writeRows, 180_000);

/** The story's rows, as the indexer writes them. */
async function writeRows() {
  db = getPool();

  // Lease 1: 40 USDC booked, extended by 8, 10 gross claimed (fee 0.25), cancelled after 15 gross in all.
  await lease(1, RENTER, PROVIDER, 48n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 1n, offerId: 1n, renter: RENTER, provider: PROVIDER, gpus: 2, durationHours: 10, pricePerGpuHour: 2n * U, deposit: 40n * U },
  ]);
  await tx(["LeaseExtended", { leaseId: 1n, extraHours: 1, extraDeposit: 4n * U, endsAt: 1 }]);
  // An auto top-up: LeaseTopUps' event, then the escrow's, in one transaction.
  await tx(
    ["LeaseToppedUp", { leaseId: 1n, caller: ARBITER, extraHours: 1, cost: 4n * U, totalSpent: 4n * U, endsAt: 2 }],
    ["LeaseExtended", { leaseId: 1n, extraHours: 1, extraDeposit: 4n * U, endsAt: 2 }],
  );
  await tx(["EarningsClaimed", { leaseId: 1n, provider: PROVIDER, gross: 10n * U, fee: 250_000n }]);
  await tx(["LeaseClosed", { leaseId: 1n, reason: 2, providerTotal: 14_625_000n, renterRefund: 33n * U, feeTotal: 375_000n }]);
  // Lease 2: 20 USDC, dispute with a 1 USDC bond; the arbiter gives 14 to the renter and 6 to the provider,
  // slashes 5 of stake to the renter and returns the bond.
  await lease(2, RENTER, PROVIDER, 20n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 2n, offerId: 1n, renter: RENTER, provider: PROVIDER, gpus: 1, durationHours: 10, pricePerGpuHour: 2n * U, deposit: 20n * U },
  ]);
  await tx(["DisputeOpened", { leaseId: 2n, renter: RENTER, evidenceHash: "0x00", evidenceURI: "", bond: 1n * U }]);
  await tx(
    ["DisputeResolved", { leaseId: 2n, arbiter: ARBITER, renterAmount: 14n * U, providerAmount: 6n * U, slashAmount: 5n * U }],
    ["DisputeBondSettled", { leaseId: 2n, to: RENTER, amount: 1n * U }],
    ["LeaseClosed", { leaseId: 2n, reason: 4, providerTotal: 5_850_000n, renterRefund: 14n * U, feeTotal: 150_000n }],
    ["ProviderSlashed", { provider: PROVIDER, amount: 5n * U, recipient: RENTER, totalStake: 95n * U }],
  );
  // Lease 3: another renter of the same provider, completed.
  await lease(3, RENTER2, PROVIDER, 10n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 3n, offerId: 1n, renter: RENTER2, provider: PROVIDER, gpus: 1, durationHours: 5, pricePerGpuHour: 2n * U, deposit: 10n * U },
  ]);
  await tx(["LeaseClosed", { leaseId: 3n, reason: 1, providerTotal: 9_750_000n, renterRefund: 0n, feeTotal: 250_000n }]);
  // Lease 4: RENTER with another provider that never accepted: refund in full, no-show slash of 1 to RENTER.
  await lease(4, RENTER, OTHER_PROVIDER, 12n * U);
  await tx([
    "LeaseBooked",
    { leaseId: 4n, offerId: 2n, renter: RENTER, provider: OTHER_PROVIDER, gpus: 1, durationHours: 6, pricePerGpuHour: 2n * U, deposit: 12n * U },
  ]);
  await tx(
    ["LeaseClosed", { leaseId: 4n, reason: 3, providerTotal: 0n, renterRefund: 12n * U, feeTotal: 0n }],
    ["ProviderSlashed", { provider: OTHER_PROVIDER, amount: 1n * U, recipient: RENTER, totalStake: 99n * U }],
  );
  // An event of an unrelated lease (no lease row of these accounts) must never appear.
  await tx([
    "LeaseBooked",
    {
      leaseId: 99n,
      offerId: 1n,
      renter: "0x0000000000000000000000000000000000000099",
      provider: PROVIDER,
      gpus: 1,
      durationHours: 1,
      pricePerGpuHour: 1n,
      deposit: 1n,
    },
  ]);
}

const sum = (h: BillingHistory, kind: string) => h.entries.filter((e) => e.kind === kind).reduce((s, e) => s + BigInt(e.amount), 0n);

describe("billingHistory", () => {
  it("lists a renter's deposits, extensions, bonds, refunds and compensation, newest first, with exact totals", async () => {
    const h = await history(RENTER, "renter");
    expect(h.entries.map((e) => `${e.leaseId}:${e.kind}:${e.amount}`)).toEqual([
      `4:compensation:${1n * U}`,
      `4:refund:${12n * U}`,
      `4:deposit:${-12n * U}`,
      `2:compensation:${5n * U}`,
      `2:refund:${14n * U}`,
      `2:bond_returned:${1n * U}`,
      "2:dispute_ruling:0",
      `2:dispute_bond:${-1n * U}`,
      `2:deposit:${-20n * U}`,
      `1:refund:${33n * U}`,
      `1:top_up:${-4n * U}`,
      `1:extension:${-4n * U}`,
      `1:deposit:${-40n * U}`,
    ]);
    expect(h.total).toBe(13);
    expect(h.totals).toMatchObject({
      paid: String(40n * U + 8n * U + 20n * U + 1n * U + 12n * U),
      received: String(33n * U + 14n * U + 1n * U + 5n * U + 12n * U + 1n * U),
      net: String(-16n * U + 1n * U), // 16 USDC of service, less the 1 USDC no-show compensation
      fees: "0",
    });
    expect(h.entries.find((e) => e.kind === "dispute_ruling")?.note).toBe("arbiter: 14 to the renter, 6 to the provider, 5 slashed");
    expect(h.entries.find((e) => e.leaseId === "1" && e.kind === "refund")?.note).toBe("closed: CancelledByRenter");
  });

  it("lists a provider's earnings net of fees, close payouts and slashes across its renters", async () => {
    const h = await history(PROVIDER, "provider");
    expect(h.entries.map((e) => `${e.leaseId}:${e.kind}:${e.amount}:${e.fee ?? ""}`)).toEqual([
      `3:final_payout:${9_750_000n}:${250_000n}`,
      `2:slashed:${-5n * U}:`,
      `2:final_payout:${5_850_000n}:${150_000n}`,
      "2:dispute_ruling:0:",
      `1:final_payout:${4_875_000n}:${125_000n}`,
      `1:earnings:${9_750_000n}:${250_000n}`,
    ]);
    expect(h.totals).toMatchObject({
      received: String(9_750_000n + 5_850_000n + 4_875_000n + 9_750_000n),
      paid: String(5n * U),
      fees: String(250_000n + 150_000n + 125_000n + 250_000n),
    });
    for (const e of h.entries.filter((x) => x.gross !== undefined)) expect(BigInt(e.gross!) - BigInt(e.fee!)).toBe(BigInt(e.amount));
  });

  it("adds up: what each renter put in equals its refunds plus the provider's net and the fees", async () => {
    const [renter, renter2, provider] = await Promise.all([history(RENTER, "renter"), history(RENTER2, "renter"), history(PROVIDER, "provider")]);
    for (const leaseId of ["1", "2", "3"]) {
      const renterSide = [...renter.entries, ...renter2.entries].filter((e) => e.leaseId === leaseId);
      const providerSide = provider.entries.filter((e) => e.leaseId === leaseId && (e.kind === "earnings" || e.kind === "final_payout"));
      const putIn = -renterSide.filter((e) => ["deposit", "extension", "top_up"].includes(e.kind)).reduce((s, e) => s + BigInt(e.amount), 0n);
      const refunded = renterSide.filter((e) => e.kind === "refund").reduce((s, e) => s + BigInt(e.amount), 0n);
      const providerGross = providerSide.reduce((s, e) => s + BigInt(e.gross!), 0n);
      expect(refunded + providerGross, `lease ${leaseId}`).toBe(putIn);
    }
    // Compensation the renter received is exactly the stake the provider lost.
    expect(sum(renter, "compensation") - 1n * U).toBe(-sum(provider, "slashed"));
  });

  it("pages newest first without changing the totals, and is empty for an account with no leases", async () => {
    const all = await history(RENTER, "renter");
    const page = await history(RENTER, "renter", { limit: "5", offset: "5" });
    expect(page.entries).toEqual(all.entries.slice(5, 10));
    expect(page.totals).toEqual(all.totals);
    const none = await history("0x0000000000000000000000000000000000000001", "renter");
    expect(none).toMatchObject({ total: 0, entries: [], totals: { paid: "0", received: "0", net: "0" } });
  });

  it("refuses bad input naming the field", () => {
    const bad = (input: Record<string, unknown>) => billingQuerySchema.safeParse(input).error?.issues[0]?.path.join(".");
    expect(bad({ account: "0x12", role: "renter" })).toBe("account");
    expect(bad({ account: RENTER, role: "payer" })).toBe("role");
    expect(bad({ account: RENTER, role: "renter", limit: "0" })).toBe("limit");
    expect(bad({ account: RENTER, role: "renter", offset: "-1" })).toBe("offset");
    expect(bad({ account: RENTER, role: "renter", chainId: "x" })).toBe("chainId");
    expect(billingQuerySchema.safeParse({ account: RENTER, role: "renter", extra: "1" }).success).toBe(false);
  });
});

describe("billingCsv", () => {
  it("has the header, one CRLF line per entry, amounts in USDC and the block time where known", async () => {
    const h = await history(PROVIDER, "provider");
    const csv = billingCsv(h.entries, new Map([[Number(h.entries[0]!.blockNumber), 1_764_547_200]]));
    const lines = csv.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toBe(BILLING_CSV_HEADER.join(","));
    expect(lines).toHaveLength(h.entries.length + 2);
    expect(lines[1]).toBe(`2025-12-01T00:00:00Z,${h.entries[0]!.blockNumber},3,final_payout,9.75,10,0.25,${h.entries[0]!.txHash},closed: Completed`);
    const slashed = lines.find((l) => l.includes(",slashed,"))!;
    expect(slashed.split(",")).toEqual(["", slashed.split(",")[1], "2", "slashed", "-5", "", "", slashed.split(",")[7], "stake slashed"]);
    // A note with a comma is quoted, so every line has the header's column count.
    const ruling = lines.find((l) => l.includes("dispute_ruling"))!;
    expect(ruling).toContain('"arbiter: 14 to the renter, 6 to the provider, 5 slashed"');
  });

  it("defuses a field a spreadsheet would run as a formula", () => {
    const csv = billingCsv([{ leaseId: "1", blockNumber: "1", txHash: "0x1", logIndex: 0, kind: "deposit", amount: "-1", note: "=HYPERLINK(1)" }]);
    expect(csv.split("\r\n")[1]).toBe(",1,1,deposit,-0.000001,,,0x1,'=HYPERLINK(1)");
  });
});
