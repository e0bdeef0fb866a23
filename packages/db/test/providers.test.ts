import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { getProviderDetail, providerOffers, providerPayouts } from "../src/providers";
import { insertSyntheticOffers } from "../src/synthetic";
import { useTempDatabase } from "./helpers/temp-database";
import { insertRow, leaseRow, rawEventRow } from "./helpers/rows";

const CHAIN_ID = 31337;
const PROVIDER = "0x00000000000000000000000000000000000000b1";
let synthetic: string;

useTempDatabase("gridlease-providers-", async () => {
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 4, offersPerProvider: 4, seed: 0.7 });
  synthetic = (await getPool().query<{ provider: string }>("select provider from offer where chain_id = $1 limit 1", [CHAIN_ID])).rows[0]!.provider;
  const claim = (tx: string, block: number, provider: string, gross: string, fee: string) =>
    insertRow("raw_event", rawEventRow(CHAIN_ID, tx, 0, block, "EarningsClaimed", { provider, gross, fee }));
  await claim("0x15", 15, PROVIDER, "3000", "300");
  await claim("0x05", 5, PROVIDER, "1000", "100");
  await claim("0x07", 7, "0x00000000000000000000000000000000000000b2", "5000", "0");
  // Closed at block 10 with 10,000 owed over its life, of which 4,000 gross (400 fee) was claimed before.
  const closed = { provider: PROVIDER, status: "Closed", claimed_gross: 4000, claimed_fee: 400 };
  await insertRow("lease", leaseRow(CHAIN_ID, 1, { ...closed, closed_block: 10, provider_total: 10000 }));
  // Claimed in full before it closed: its close pays nothing.
  await insertRow("lease", leaseRow(CHAIN_ID, 2, { ...closed, closed_block: 12, provider_total: 3600 }));
  // Still running: nothing paid at close yet.
  await insertRow("lease", leaseRow(CHAIN_ID, 3, { provider: PROVIDER, claimed_gross: 1000, claimed_fee: 100 }));
});

describe("a provider's payouts (the dashboard's earnings chart)", () => {
  it("are its claims net of fees and what each close still owed, in block order", async () => {
    expect(await providerPayouts(CHAIN_ID, PROVIDER)).toEqual([
      { block: 5, amount: 900n },
      { block: 10, amount: 6400n },
      { block: 15, amount: 2700n },
    ]);
  });

  it("are empty for a provider that never got paid", async () => {
    expect(await providerPayouts(CHAIN_ID, "0x00000000000000000000000000000000000000b3")).toEqual([]);
  });
});

describe("a provider's offers", () => {
  it("come newest first, at most `limit`, as the provider API lists them", async () => {
    const offers = await providerOffers(CHAIN_ID, synthetic, 3);
    const ids = offers.map((o) => Number(o.offerId));
    expect(ids).toHaveLength(3);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const detail = await getProviderDetail(CHAIN_ID, synthetic);
    expect(detail?.offers.slice(0, 3).map((o: { offerId: string }) => o.offerId)).toEqual(offers.map((o) => o.offerId));
    expect(detail?.offers).toHaveLength(4);
  });
});
