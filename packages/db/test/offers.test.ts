import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { countOpenLeases, OPEN_LEASE_STATUSES } from "../src/leases";
import { getOfferDetail, getPriceHistory, PRICE_HISTORY_LIMIT } from "../src/offers";
import { insertSyntheticOffers } from "../src/synthetic";
import { useTempDatabase } from "./helpers/temp-database";

const CHAIN_ID = 31337;
const CHANGES = PRICE_HISTORY_LIMIT + 100;
let offerId: string;

useTempDatabase("gridlease-offers-", async () => {
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 3, seed: 0.3 });
  const db = getPool();
  offerId = (await db.query<{ id: string }>("select min(offer_id)::text as id from offer where chain_id = $1", [CHAIN_ID])).rows[0]!.id;
  // Two changes in some blocks (log index breaks the tie), inserted out of order.
  await db.query(
    `insert into offer_price_history (chain_id, tx_hash, log_index, offer_id, gpu_model, block_number, price_per_gpu_hour, finalized)
     select $1, '0x' || lpad(to_hex(i), 64, '0'), i % 2, $2, 'H100-SXM', 10 + i / 2, 1000000 + i, true
     from generate_series($3::int, 1, -1) as i`,
    [CHAIN_ID, offerId, CHANGES],
  );
});

describe("an offer's price history", () => {
  it("is the latest PRICE_HISTORY_LIMIT changes, oldest first, ordered by block then log index", async () => {
    const history = await getPriceHistory(CHAIN_ID, offerId);
    expect(history).toHaveLength(PRICE_HISTORY_LIMIT);
    expect(history.at(-1)).toEqual({ blockNumber: String(10 + Math.floor(CHANGES / 2)), pricePerGpuHour: String(1000000 + CHANGES) });
    const prices = history.map((p) => Number(p.pricePerGpuHour));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(prices[0]).toBe(1000000 + CHANGES - PRICE_HISTORY_LIMIT + 1);
  });

  it("is what the offer API's detail carries", async () => {
    const detail = await getOfferDetail(CHAIN_ID, offerId);
    expect(detail?.priceHistory).toEqual(await getPriceHistory(CHAIN_ID, offerId));
  });
});

describe("open leases of an offer", () => {
  it("count every stored status but Closed", async () => {
    expect(OPEN_LEASE_STATUSES).not.toContain("Closed");
    expect(OPEN_LEASE_STATUSES).toContain("Pending");
    expect(await countOpenLeases(CHAIN_ID, offerId)).toBe(0);
  });
});
