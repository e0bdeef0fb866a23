import { getPool } from "@gridlease/db/client";
import { BILLING_CSV_HEADER } from "@gridlease/db/billing";
import { freePort } from "@gridlease/sdk/local-chain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as billing from "@/app/api/billing/route";
import * as billingCsv from "@/app/api/billing/csv/route";
import { call, relaxRateLimits, startMarketDatabase, TEST_CHAIN_ID as CHAIN_ID } from "./route-harness";

/**
 * GET /api/billing and /api/billing/csv through the Next route handlers, against PostgreSQL holding
 * what the indexer writes (a lease row and its raw events). The node is unreachable here, so rows carry
 * no time: the history must still answer in full.
 */

const RENTER = "0x00000000000000000000000000000000000000aa";
const PROVIDER = "0x00000000000000000000000000000000000000cc";
let database: Awaited<ReturnType<typeof startMarketDatabase>>;

beforeAll(async () => {
  relaxRateLimits();
  database = await startMarketDatabase(1, 0.2, "gridlease-billing-api-");
  process.env.RPC_URL = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const db = getPool();
  await db.query(
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline,
       status, claimed_gross, claimed_fee, encrypted_request, booked_block, booked_tx_hash, updated_block)
     values ($1, 7, 1, $2, $3, '0xtoken', 1, 4, 2000000, 8000000, 0, 'Closed', 0, 0, '0x', 1, '0x01', 1)`,
    [CHAIN_ID, RENTER, PROVIDER],
  );
  const events: [string, Record<string, unknown>][] = [
    [
      "LeaseBooked",
      { leaseId: "7", offerId: "1", renter: RENTER, provider: PROVIDER, gpus: 1, durationHours: 4, pricePerGpuHour: "2000000", deposit: "8000000" },
    ],
    ["LeaseExtended", { leaseId: "7", extraHours: 1, extraDeposit: "2000000", endsAt: "1" }],
    ["LeaseClosed", { leaseId: "7", reason: 2, providerTotal: "2925000", renterRefund: "7000000", feeTotal: "75000" }],
  ];
  for (const [i, [name, args]] of events.entries()) {
    await db.query(
      `insert into raw_event (chain_id, tx_hash, log_index, block_number, block_hash, address, name, args) values ($1, $2, 0, $3, '0xbb', '0xescrow', $4, $5)`,
      [CHAIN_ID, `0x${String(i + 1).padStart(64, "0")}`, 10 + i, name, JSON.stringify(args)],
    );
  }
});

afterAll(async () => {
  await database?.stop();
});

describe("GET /api/billing", () => {
  it("answers the renter's history with totals", async () => {
    const response = await call(billing.GET, { path: `/api/billing?account=${RENTER.toUpperCase().replace("0X", "0x")}&role=renter` });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.entries.map((e: { kind: string; amount: string; time: number | null }) => [e.kind, e.amount, e.time])).toEqual([
      ["refund", "7000000", null],
      ["extension", "-2000000", null],
      ["deposit", "-8000000", null],
    ]);
    expect(body.totals).toMatchObject({ paid: "10000000", received: "7000000", net: "-3000000" });
  });

  it.each([
    ["", "account"],
    ["?account=0x12&role=renter", "account"],
    [`?account=${RENTER}`, "role"],
    [`?account=${RENTER}&role=landlord`, "role"],
    [`?account=${RENTER}&role=renter&limit=0`, "limit"],
    [`?account=${RENTER}&role=renter&limit=5000`, "limit"],
    [`?account=${RENTER}&role=renter&offset=-3`, "offset"],
    [`?account=${RENTER}&role=renter&chainId=abc`, "chainId"],
    [`?account=${RENTER}&role=renter&sort=asc`, "sort"],
    [`?account=${RENTER}&account=${PROVIDER}&role=renter`, "account"],
  ])("refuses %s with a 400 JSON naming %s", async (query, field) => {
    for (const handler of [billing.GET, billingCsv.GET]) {
      const response = await call(handler, { path: `/api/billing${handler === billingCsv.GET ? "/csv" : ""}${query}` });
      // The CSV takes no paging: limit/offset are unknown parameters there, still a 400 naming them.
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = await response.json();
      expect(body.error.field).toBe(field);
      expect(body.error.message).toContain(field);
    }
  });
});

describe("GET /api/billing/csv", () => {
  it("downloads the provider's history as CSV", async () => {
    const response = await call(billingCsv.GET, { path: `/api/billing/csv?account=${PROVIDER}&role=provider` });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="gridlease-provider-${PROVIDER}-billing.csv"`);
    const lines = (await response.text()).split("\r\n");
    expect(lines[0]).toBe(BILLING_CSV_HEADER.join(","));
    expect(lines[1]).toBe(`,12,7,final_payout,2.925,3,0.075,0x${"3".padStart(64, "0")},closed: CancelledByRenter`);
    expect(lines.slice(2)).toEqual([""]);
  });
});
